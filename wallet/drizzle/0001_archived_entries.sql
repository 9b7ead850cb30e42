CREATE TABLE `archived_entries` (
	`idempotency_key` text PRIMARY KEY NOT NULL,
	`request_hash` text NOT NULL,
	`entry_id` integer NOT NULL,
	`phone` text NOT NULL,
	`kind` text NOT NULL,
	`amount` integer NOT NULL,
	`balance_after` integer NOT NULL,
	`reference` text,
	`created_at` integer NOT NULL,
	`archive` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `archived_entries_entry_id_unique` ON `archived_entries` (`entry_id`);--> statement-breakpoint
CREATE INDEX `archived_entries_archive` ON `archived_entries` (`archive`);--> statement-breakpoint
CREATE INDEX `archived_entries_phone` ON `archived_entries` (`phone`);