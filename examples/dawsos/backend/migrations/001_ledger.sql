CREATE TABLE IF NOT EXISTS ledger (
    portfolio_id TEXT NOT NULL,
    symbol TEXT NOT NULL,
    quantity_minor BIGINT NOT NULL CHECK (quantity_minor >= 0),
    PRIMARY KEY (portfolio_id, symbol)
);
