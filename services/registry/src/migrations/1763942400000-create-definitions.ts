import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateDefinitions1763942400000 implements MigrationInterface {
  name = 'CreateDefinitions1763942400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "registry"."definitions" (
        "name" text NOT NULL,
        "version" int NOT NULL,
        "description" text,
        "document" jsonb NOT NULL,
        "content_hash" text NOT NULL,
        "event_types" text[] NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("name", "version")
      )`);
    await runner.query(`CREATE INDEX "definitions_event_types_idx" ON "registry"."definitions" USING gin ("event_types")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "registry"."definitions"`);
  }
}
