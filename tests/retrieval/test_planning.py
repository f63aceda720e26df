"""The reindex planner on its own: plain values in, the plan out, no disk."""

from __future__ import annotations

from newsbot.retrieval.planning import Article, FileState, Scanned, plan_articles, plan_files, removal_share

KNOWN = {
    "a.md": FileState(10, 100, "ha"),
    "b.md": FileState(20, 200, "hb"),
    "sub/c.md": FileState(30, 300, "hc"),
    "gone.md": FileState(40, 400, "hg"),
}


def test_files_are_grouped_by_what_a_reindex_must_do() -> None:
    plan = plan_files(
        [Scanned("a.md", 10, 100), Scanned("b.md", 20, 201), Scanned("new.md", 5, 1), Scanned("sub/c.md", 30, 300)],
        KNOWN,
    )
    assert (plan.unchanged, plan.check, plan.new, plan.gone, plan.kept) == (
        ["a.md", "sub/c.md"],
        ["b.md"],
        ["new.md"],
        ["gone.md"],
        [],
    )
    assert plan.to_read == ["b.md", "new.md"]


def test_a_touched_file_is_checked_not_removed_and_its_neighbours_are_untouched() -> None:
    # The shape of the data-loss bug: one file touched, another edited, in one batch.
    plan = plan_files([Scanned("a.md", 10, 999), Scanned("b.md", 21, 201), Scanned("sub/c.md", 30, 300)], KNOWN)
    assert plan.check == ["a.md", "b.md"] and plan.gone == ["gone.md"] and plan.unchanged == ["sub/c.md"]


def test_files_under_a_folder_that_could_not_be_listed_are_kept() -> None:
    plan = plan_files([Scanned("a.md", 10, 100)], KNOWN, unlisted=["sub"])
    assert plan.kept == ["sub/c.md"]
    assert plan.gone == ["b.md", "gone.md"]


def test_an_unlistable_seeds_root_keeps_everything() -> None:
    plan = plan_files([], KNOWN, unlisted=[""])
    assert plan.gone == [] and sorted(plan.kept) == sorted(KNOWN)


def test_a_file_with_articles_but_no_remembered_state_can_still_be_removed() -> None:
    plan = plan_files([], {}, with_articles=["orphan.md"])
    assert plan.gone == ["orphan.md"]


def test_articles_are_compared_with_their_own_file_only() -> None:
    live = {"x#1": (1, "h1"), "x#2": (2, "h2"), "x#3": (3, "h3")}
    plan = plan_articles([Article("x#1", "h1"), Article("x#2", "changed"), Article("x#4", "h4")], live)
    assert plan.unchanged == ["x#1"]
    assert plan.changed == [("x#2", 2)]
    assert plan.added == ["x#4"]
    assert plan.removed == [3]
    assert sorted(plan.retired) == [2, 3]


def test_a_repeated_key_counts_once() -> None:
    plan = plan_articles([Article("k", "h"), Article("k", "other")], {})
    assert plan.added == ["k"] and plan.changed == []


def test_an_empty_archive_has_no_removal_share() -> None:
    assert removal_share(0, 0) == 0.0
    assert removal_share(3, 4) == 0.75
