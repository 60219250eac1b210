/**
 * Response bodies as records, serialised by Jackson (this package is opened to it). Field names are the JSON
 * names. Decimals are {@code BigDecimal}, times {@code Instant} (ISO-8601 strings).
 */
package io.tradingdesk.api.model;
