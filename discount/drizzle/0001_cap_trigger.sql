-- The DB is the last line of the cap (DESIGN §3, invariant 1): a CHECK cannot read
-- another table, so these triggers refuse a redemption whose rank is above its
-- campaign's cap, and any later change of a redemption's campaign or rank.
CREATE TRIGGER `redemptions_rank_within_cap`
BEFORE INSERT ON `redemptions`
WHEN NEW.`rank` > (SELECT `max_redemptions` FROM `campaigns` WHERE `id` = NEW.`campaign_id`)
BEGIN
  SELECT RAISE(ABORT, 'redemption rank is above the campaign cap');
END;
--> statement-breakpoint
CREATE TRIGGER `redemptions_rank_immutable`
BEFORE UPDATE OF `rank`, `campaign_id`, `phone` ON `redemptions`
BEGIN
  SELECT RAISE(ABORT, 'a redemption''s campaign, phone and rank never change');
END;
--> statement-breakpoint
CREATE TRIGGER `campaigns_immutable_terms`
BEFORE UPDATE OF `code`, `amount`, `max_redemptions` ON `campaigns`
BEGIN
  SELECT RAISE(ABORT, 'a campaign''s code, amount and cap never change');
END;
