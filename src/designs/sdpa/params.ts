import { positiveInteger, record } from '../../units/params.js';

/** Parameters every SDPA compute unit takes. */
export interface SdpaUnitParams {
  n: number;
  d: number;
  latency: number;
  ii: number;
}

export function sdpaUnitParams(params: unknown, kind: string): SdpaUnitParams {
  const p = record(params, kind);
  return {
    n: positiveInteger(p['n'], `${kind} n`),
    d: positiveInteger(p['d'], `${kind} d`),
    latency: positiveInteger(p['latency'], `${kind} latency`),
    ii: positiveInteger(p['ii'], `${kind} ii`),
  };
}
