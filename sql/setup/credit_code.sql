-- The unified social credit code's check character (GB 32100-2015), for the suites' rule
-- expect_column_values_to_have_valid_credit_code_check_character; pipelines/credit_code.py is
-- the same computation in Python. Written out term by term: a list lambda per row is several
-- times slower on a national feed of millions of codes.

-- A character's value: its place in the code's charset (I, O, S, V and Z are not used).
create or replace macro credit_code_value(c) as
    instr('0123456789ABCDEFGHJKLMNPQRTUWXY', c) - 1;

-- The check character for the first 17 characters, with the weights 3^(i-1) mod 31.
create or replace macro credit_code_check_character(code) as
    '0123456789ABCDEFGHJKLMNPQRTUWXY'[
        (31 - (
            credit_code_value(code[1]) * 1 + credit_code_value(code[2]) * 3
            + credit_code_value(code[3]) * 9 + credit_code_value(code[4]) * 27
            + credit_code_value(code[5]) * 19 + credit_code_value(code[6]) * 26
            + credit_code_value(code[7]) * 16 + credit_code_value(code[8]) * 17
            + credit_code_value(code[9]) * 20 + credit_code_value(code[10]) * 29
            + credit_code_value(code[11]) * 25 + credit_code_value(code[12]) * 13
            + credit_code_value(code[13]) * 8 + credit_code_value(code[14]) * 24
            + credit_code_value(code[15]) * 10 + credit_code_value(code[16]) * 30
            + credit_code_value(code[17]) * 28
        ) % 31) % 31 + 1
    ];

-- True unless a well-shaped code ends in the wrong check character: a code of the wrong shape
-- is the format rule's finding, and one mistake should give the clerk one message.
create or replace macro credit_code_check_matches(code) as
    not regexp_full_match(coalesce(code, ''), '[0-9A-HJ-NPQRTUWXY]{18}')
    or code[18] = credit_code_check_character(code);
