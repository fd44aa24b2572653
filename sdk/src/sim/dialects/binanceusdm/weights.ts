/**
 * Binance USD-M request weights (its REST docs), charged to the 2,400/min IP budget. Order
 * placement, modification and cancellation weigh 0 against the IP budget: Binance counts them in the order
 * limits instead. Unknown paths weigh 1.
 */
export function requestWeight(method: string, path: string, query: URLSearchParams): number {
  const has = (k: string): boolean => (query.get(k) ?? '') !== '';
  const limit = Number(query.get('limit') ?? '');
  const route = path.replace(/^\/fapi\/v[123]\//, '/').replace(/^\/futures\/data\//, '/data/');
  switch (`${method} ${route}`) {
    case 'GET /depth':
      return depthWeight(Number.isFinite(limit) && limit > 0 ? limit : 500);
    case 'GET /klines':
    case 'GET /markPriceKlines':
    case 'GET /indexPriceKlines':
    case 'GET /premiumIndexKlines':
      return klinesWeight(Number.isFinite(limit) && limit > 0 ? limit : 500);
    case 'GET /trades':
      return 5;
    case 'GET /aggTrades':
    case 'GET /historicalTrades':
      return 20;
    case 'GET /ticker/24hr':
      return has('symbol') ? 1 : 40;
    case 'GET /ticker/price':
      return has('symbol') ? 1 : 2;
    case 'GET /ticker/bookTicker':
      return has('symbol') ? 2 : 5;
    case 'GET /premiumIndex':
      return has('symbol') ? 1 : 10;
    case 'GET /account':
    case 'GET /balance':
    case 'GET /positionRisk':
    case 'GET /allOrders':
    case 'GET /userTrades':
    case 'GET /symbolConfig':
      return 5;
    case 'GET /openOrders':
    case 'GET /openAlgoOrders':
      return has('symbol') ? 1 : 40;
    case 'GET /positionSide/dual':
    case 'GET /income':
      return 30;
    case 'GET /commissionRate':
      return 20;
    case 'POST /order':
    case 'PUT /order':
    case 'DELETE /order':
    case 'POST /algoOrder':
    case 'DELETE /algoOrder':
      return 0;
    default:
      return 1;
  }
}

function depthWeight(limit: number): number {
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}

function klinesWeight(limit: number): number {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}
