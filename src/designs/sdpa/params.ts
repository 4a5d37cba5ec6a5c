import { positiveInteger, record } from '../../units/params.js';

/** Parameters every SDPA compute unit takes. */
export interface SdpaUnitParams {
  n: number;
  d: number;
  latency: number;
  ii: number;
}

const SDPA_UNIT_PARAMS = ['n', 'd', 'latency', 'ii'];

export function sdpaUnitParams(params: unknown, kind: string): SdpaUnitParams {
  const p = record(params, kind, SDPA_UNIT_PARAMS);
  return {
    n: positiveInteger(p['n'], `${kind} n`),
    d: positiveInteger(p['d'], `${kind} d`),
    latency: positiveInteger(p['latency'], `${kind} latency`),
    ii: positiveInteger(p['ii'], `${kind} ii`),
  };
}
