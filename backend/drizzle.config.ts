import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` uses this (it needs no database): it writes the SQL
// migration for a change of src/db/schema.ts into drizzle/, which is committed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
