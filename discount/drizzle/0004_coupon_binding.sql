ALTER TABLE `campaigns` ADD `bound_phone` text;--> statement-breakpoint
ALTER TABLE `coupon_batches` ADD `pattern` text DEFAULT '########' NOT NULL;--> statement-breakpoint
ALTER TABLE `coupon_batches` ADD `alphabet` text DEFAULT 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789' NOT NULL;--> statement-breakpoint
ALTER TABLE `coupon_batches` ADD `metadata` text;