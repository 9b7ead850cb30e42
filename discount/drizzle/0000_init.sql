CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`kind` text DEFAULT 'gift' NOT NULL,
	`amount` integer NOT NULL,
	`max_redemptions` integer NOT NULL,
	`starts_at` integer,
	`ends_at` integer,
	`metadata` text,
	`created_at` integer NOT NULL,
	CONSTRAINT "campaigns_amount_positive" CHECK("campaigns"."amount" > 0),
	CONSTRAINT "campaigns_cap_positive" CHECK("campaigns"."max_redemptions" >= 1),
	CONSTRAINT "campaigns_window" CHECK("campaigns"."starts_at" IS NULL OR "campaigns"."ends_at" IS NULL OR "campaigns"."ends_at" > "campaigns"."starts_at")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `campaigns_code_unique` ON `campaigns` (`code`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`redemption_id` integer NOT NULL,
	`idempotency_key` text NOT NULL,
	`phone` text NOT NULL,
	`amount` integer NOT NULL,
	`reference` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_owner` text,
	`lease_until` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`redemption_id`) REFERENCES `redemptions`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "outbox_status" CHECK("outbox"."status" IN ('pending', 'done', 'failed')),
	CONSTRAINT "outbox_amount_positive" CHECK("outbox"."amount" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_redemption_id_unique` ON `outbox` (`redemption_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_idempotency_key_unique` ON `outbox` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `redemptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`campaign_id` integer NOT NULL,
	`phone` text NOT NULL,
	`rank` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`redeemed_at` integer NOT NULL,
	`credited_at` integer,
	`failure` text,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "redemptions_rank_positive" CHECK("redemptions"."rank" >= 1),
	CONSTRAINT "redemptions_status" CHECK("redemptions"."status" IN ('pending', 'credited', 'failed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_campaign_phone` ON `redemptions` (`campaign_id`,`phone`);--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_campaign_rank` ON `redemptions` (`campaign_id`,`rank`);