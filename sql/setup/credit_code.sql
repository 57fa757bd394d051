-- The unified social credit code's check character (GB 32100-2015), for the suites' rule
-- expect_column_values_to_have_valid_credit_code_check_character; pipelines/checks/credit_code.py is
-- the same computation in Python. Written out term by term, with a character's value looked up
-- by its code point: on a national feed of millions of codes a list lambda, or a search of the
-- charset per character, is several times slower.

-- The value of the code's i-th character: its place in the charset, which leaves out I, O, S, V
-- and Z; the list covers code points 48 ('0') to 89 ('Y'), null where no code character is.
create or replace macro credit_code_value(code, i) as [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, null, null, null, null, null, null, null, 10, 11,
        12, 13, 14, 15, 16, 17, null, 18, 19, 20, 21, 22, null, 23, 24, 25, null, 26,
        27, null, 28, 29, 30
][ord(substr(code, i, 1)) - 47];

-- The check character for the first 17 characters, with the weights 3^(i-1) mod 31.
create or replace macro credit_code_check_character(code) as
    '0123456789ABCDEFGHJKLMNPQRTUWXY'[
        (31 - (
            credit_code_value(code, 1) * 1 + credit_code_value(code, 2) * 3
            + credit_code_value(code, 3) * 9 + credit_code_value(code, 4) * 27
            + credit_code_value(code, 5) * 19 + credit_code_value(code, 6) * 26
            + credit_code_value(code, 7) * 16 + credit_code_value(code, 8) * 17
            + credit_code_value(code, 9) * 20 + credit_code_value(code, 10) * 29
            + credit_code_value(code, 11) * 25 + credit_code_value(code, 12) * 13
            + credit_code_value(code, 13) * 8 + credit_code_value(code, 14) * 24
            + credit_code_value(code, 15) * 10 + credit_code_value(code, 16) * 30
            + credit_code_value(code, 17) * 28
        ) % 31) % 31 + 1
    ];

-- True unless a well-shaped code ends in the wrong check character: a code of the wrong shape
-- is the format rule's finding, and one mistake should give the clerk one message.
create or replace macro credit_code_check_matches(code) as
    not regexp_full_match(coalesce(code, ''), '[0-9A-HJ-NPQRTUWXY]{18}')
    or code[18] = credit_code_check_character(code);
