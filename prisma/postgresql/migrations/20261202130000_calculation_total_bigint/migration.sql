-- A calculation's total (radiology exams + 5 × nuclear ones over the whole order) may pass 2^31
-- with reference counts each within their 32-bit columns: PostgreSQL refused to record it (22003).

-- AlterTable
ALTER TABLE "Calculation" ALTER COLUMN "total" SET DATA TYPE BIGINT;

