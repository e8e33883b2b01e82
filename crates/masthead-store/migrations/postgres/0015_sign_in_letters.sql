-- Members' sign-in letters have a budget of their own, like staff reset letters
-- (see core::auth::check_letters).
ALTER TABLE login_failures DROP CONSTRAINT login_failures_kind_check;
ALTER TABLE login_failures ADD CONSTRAINT login_failures_kind_check
    CHECK (kind IN ('account', 'account_ip', 'ip', 'reset', 'sign_in_link'));
