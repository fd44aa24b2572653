export { startWebhookGateway, SECRET_HEADER, type WebhookGatewayOptions, type RunningWebhookGateway } from './startWebhookGateway.js';
export { parseWebhookBody, readRawFields, validateFields, type WebhookSignal, type ParsedBody } from './parseWebhookBody.js';
export { parseTextBody } from './textBody.js';
export { resolveAlertSymbol, cachedSymbolResolver, hostMarkets, type AlertSymbolResolver } from './marketSymbols.js';
export { idempotencyKey, outsideWindowMs } from './idempotencyKey.js';
export { createRateLimiter, type RateLimiter } from './rateLimiter.js';
export { secretsMatch } from './secretCheck.js';
export { placeAlertOrder, ticketOf, statusOf, type OrderOutcome } from './webhookOrder.js';
export { startHomeWebhookGateway, type HomeGatewayOptions } from './gatewayForHome.js';
