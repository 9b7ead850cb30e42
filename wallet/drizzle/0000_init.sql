CREATE TABLE `ledger` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone` text NOT NULL,
	`amount` integer NOT NULL,
	`kind` text NOT NULL,
	`balance_after` integer NOT NULL,
	`reference` text,
	`description` text,
	`idempotency_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`phone`) REFERENCES `wallets`(`phone`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_kind" CHECK("ledger"."kind" IN ('credit', 'debit')),
	CONSTRAINT "ledger_amount_sign" CHECK(("ledger"."kind" = 'credit' AND "ledger"."amount" > 0) OR ("ledger"."kind" = 'debit' AND "ledger"."amount" < 0)),
	CONSTRAINT "ledger_balance_after_non_negative" CHECK("ledger"."balance_after" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_idempotency_key_unique` ON `ledger` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `ledger_phone_id` ON `ledger` (`phone`,`id`);--> statement-breakpoint
CREATE TABLE `wallets` (
	`phone` text PRIMARY KEY NOT NULL,
	`balance` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "wallets_balance_non_negative" CHECK("wallets"."balance" >= 0)
);
