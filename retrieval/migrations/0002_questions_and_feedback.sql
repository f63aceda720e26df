-- What the bot needs to remember: how many questions it answered, and members'
-- votes on answers (one vote per member per answer; a second vote replaces it).

INSERT INTO meta (key, value) VALUES ('questions_answered', '0');

CREATE TABLE feedback (
    answer_id  TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    question   TEXT NOT NULL,
    voted_at   TEXT NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);
