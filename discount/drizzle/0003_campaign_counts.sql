CREATE TABLE `campaign_counts` (
	`campaign_id` integer NOT NULL,
	`status` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `status`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `redemptions_campaign_time` ON `redemptions` (`campaign_id`,`redeemed_at`);--> statement-breakpoint
-- The counts of the redemptions already here; from now on the triggers below keep them.
INSERT INTO `campaign_counts` (`campaign_id`, `status`, `n`)
SELECT `campaign_id`, `status`, count(*) FROM `redemptions` GROUP BY `campaign_id`, `status`;
--> statement-breakpoint
-- Every write to redemptions, whoever makes it (the redeem path, the relay, reconcile,
-- archiving, a restore), moves the counts in its own transaction: they cannot drift.
CREATE TRIGGER `redemptions_count_insert`
AFTER INSERT ON `redemptions`
BEGIN
  INSERT INTO `campaign_counts` (`campaign_id`, `status`, `n`) VALUES (NEW.`campaign_id`, NEW.`status`, 1)
  ON CONFLICT (`campaign_id`, `status`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `redemptions_count_status`
AFTER UPDATE OF `status` ON `redemptions`
WHEN OLD.`status` IS NOT NEW.`status`
BEGIN
  UPDATE `campaign_counts` SET `n` = `n` - 1 WHERE `campaign_id` = OLD.`campaign_id` AND `status` = OLD.`status`;
  INSERT INTO `campaign_counts` (`campaign_id`, `status`, `n`) VALUES (NEW.`campaign_id`, NEW.`status`, 1)
  ON CONFLICT (`campaign_id`, `status`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `redemptions_count_delete`
AFTER DELETE ON `redemptions`
BEGIN
  UPDATE `campaign_counts` SET `n` = `n` - 1 WHERE `campaign_id` = OLD.`campaign_id` AND `status` = OLD.`status`;
END;
