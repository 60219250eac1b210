package io.tradingdesk.api.store;

import java.util.List;

/**
 * One keyset page of a list ordered by id, newest first. Immutable.
 *
 * @param items  at most the page size
 * @param lastId the id of the last item when more rows follow, {@code null} on the last page
 */
public record Slice<T>(List<T> items, Long lastId) {
    public Slice {
        items = List.copyOf(items);
    }
}
