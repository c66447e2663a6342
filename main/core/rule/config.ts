// PLACEHOLDER: replaced by the AWS/rule work (issue 4).
import type { JsonSchema } from '../workflow/types';
export const switchSchema: JsonSchema = { type: 'object' };
