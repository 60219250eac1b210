package io.tradingdesk.api.model;

import java.util.List;

/** One keyset page: {@code nextCursor} is null on the last page. */
public record Page<T>(List<T> items, String nextCursor) {
}
