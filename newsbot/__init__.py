"""newsbot, installed under one distinctive name: `newsbot.bot` (the Discord bot and the shell
commands) and `newsbot.retrieval` (the archive and its search).

In the repository the two live in the top-level folders `bot/` and `retrieval/`;
`newsbot/bot` and `newsbot/retrieval` are links to them, so the same imports work
from a clone and from an installed wheel, and no top-level `bot` package of
another distribution can overwrite ours.
"""
