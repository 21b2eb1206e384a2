/**
 * Bulk imports (批量导入), a kernel service every module uses: streaming CSV/XLSX reading, row
 * validation with Chinese messages, a downloadable error report, idempotent upserts through COPY,
 * all-or-nothing batches, resume after a crash, progress for the workbench and the CLI.
 * See CONTEXT.md in this folder.
 */
export {
  createImportJob,
  runImportJob,
  getImportJob,
  listImportJobs,
  listRowErrors,
  rowErrorsCsv,
  cancelImportJob,
  staleImportJobs,
  canSeeJob,
  bulkUpsert,
  copyText,
  copyField,
  mapHeader,
  progressLine,
  importsDir,
  IMPORT_STATUS_LABELS,
  type ImportDefinition,
  type ImportColumn,
  type ImportJob,
  type ImportStatus,
  type ImportRowError,
  type ParsedRow,
  type RowProblem,
  type BatchResult,
  type BulkUpsertInput,
  type CopyValue,
  type CreateImportInput,
  type RunOptions,
} from './service.ts';
export { createImportsModule, receiveImportUpload, startImportInBackground, importJobsTable, IMPORTS_BASE, type ReceivedUpload } from './module.ts';
export { detectEncoding, detectFormat, cellText, type FileFormat, type FileEncoding } from './reader.ts';
