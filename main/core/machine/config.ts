// PLACEHOLDER: replaced by the machine-watch work (issue 3).
import type { JsonSchema } from '../workflow/types';
export const modelsSchema: JsonSchema = { type: 'object' };
export const watchSchema: JsonSchema = { type: 'object' };
