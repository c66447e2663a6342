// PLACEHOLDER: replaced by the AWS work (issue 4).
import type { JsonSchema } from '../workflow/types';
export const awsSchema: JsonSchema = { type: 'object' };
export const gateSchema: JsonSchema = { type: 'object' };
export const notifySchema: JsonSchema = { type: 'object' };
