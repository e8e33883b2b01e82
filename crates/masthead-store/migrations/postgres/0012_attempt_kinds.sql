-- Failed sign-ins are also counted per account from one address, and reset letters
-- have a budget of their own (see core::auth::check_sign_in and check_letters).
ALTER TABLE login_failures DROP CONSTRAINT login_failures_kind_check;
ALTER TABLE login_failures ADD CONSTRAINT login_failures_kind_check
    CHECK (kind IN ('account', 'account_ip', 'ip', 'reset'));
