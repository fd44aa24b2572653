export * from './startServer.js';
export { CONTENT_SECURITY_POLICY } from './securityHeaders.js';
export { generateToken, tokensMatch } from './auth.js';
