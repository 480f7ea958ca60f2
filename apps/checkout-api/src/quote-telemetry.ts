import type { Quote } from '@shipyard/contracts';
import { histogram, trackEvent } from '@shipyard/telemetry';

/** Quote totals in major units per currency: count/sum/min/max per export interval in customMetrics. */
const quoteTotal = histogram('quote_total', { description: 'Total of each quote created, in major currency units' });

/** Business telemetry for one priced cart: a QuoteCreated event on the request's operation and the total as a metric. */
export function recordQuoteCreated(quote: Quote): void {
  trackEvent('QuoteCreated', {
    currency: quote.currency,
    lines: quote.lines.length,
    items: quote.lines.reduce((sum, line) => sum + line.quantity, 0),
    totalCents: quote.totalCents,
  });
  quoteTotal.record(quote.totalCents / 100, { currency: quote.currency });
}
