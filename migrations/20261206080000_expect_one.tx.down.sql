DROP FUNCTION IF EXISTS paycore_expect_one(bigint);
