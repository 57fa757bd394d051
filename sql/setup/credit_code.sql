-- The credit code's check character is computed in Python over a whole column at once
-- (pipelines/checks/credit_code.py, `check_characters_match`), given to the suite's connection as
-- the function credit_code_check_matches. A warehouse made before holds it as SQL macros, which
-- would shadow that function: they go.
drop macro if exists credit_code_check_matches;
drop macro if exists credit_code_check_character;
drop macro if exists credit_code_value;
