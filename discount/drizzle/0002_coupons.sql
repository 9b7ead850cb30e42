CREATE TABLE `coupon_batches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`amount` integer NOT NULL,
	`expires_at` integer,
	`requested` integer NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "coupon_batches_amount_positive" CHECK("coupon_batches"."amount" > 0),
	CONSTRAINT "coupon_batches_requested_positive" CHECK("coupon_batches"."requested" >= 1)
);
--> statement-breakpoint
ALTER TABLE `campaigns` ADD `batch_id` integer REFERENCES coupon_batches(id);--> statement-breakpoint
CREATE INDEX `campaigns_batch` ON `campaigns` (`batch_id`,`id`);