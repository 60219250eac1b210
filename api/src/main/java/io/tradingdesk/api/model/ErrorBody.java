package io.tradingdesk.api.model;

import java.util.Map;

/** The one shape of every failure: a stable code, a message for people, details (fields, ids, limits). */
public record ErrorBody(String error, String message, Map<String, Object> details) {
}
