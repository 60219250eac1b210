package io.tradingdesk.api.routes;

import io.tradingdesk.api.http.Cursor;
import io.tradingdesk.api.http.Field;
import io.tradingdesk.api.model.Page;
import io.tradingdesk.api.store.Slice;
import java.math.BigDecimal;
import java.util.regex.Pattern;

/** Declarations and helpers more than one resource shares. Stateless. */
final class Inputs {
    /** Instrument symbols, as the schema's CHECK constraint has them. */
    static final Pattern SYMBOL = Pattern.compile("^[A-Z0-9][A-Z0-9._-]{0,31}$");
    static final String SYMBOL_RULE = "must match ^[A-Z0-9][A-Z0-9._-]{0,31}$ (upper-case letters, digits, . _ -)";
    /** Prices are numeric(20, 8): anything at or above 10^12 would overflow the column. */
    static final BigDecimal MAX_PRICE = new BigDecimal("1e12");
    static final int MAX_PAGE = 200;
    static final int DEFAULT_PAGE = 20;

    private Inputs() {
    }

    /** An instrument symbol (body field, query or path parameter). */
    static Field<String> symbol(String name) {
        return Field.matching(name, SYMBOL, SYMBOL_RULE, "AAPL");
    }

    /** A price: a decimal in (0, 10^12). */
    static Field<BigDecimal> price(String name) {
        return Field.positiveBelow(name, MAX_PRICE);
    }

    /** The id in a path such as {@code /api/research/{id}}. */
    static Field<Long> pathId() {
        return Field.id("id").required();
    }

    /** The response of a keyset-paged list: the slice's items and the cursor of the next page (null on the last). */
    static <T> Page<T> page(Slice<T> slice, String list) {
        return new Page<>(slice.items(), slice.lastId() == null ? null : Cursor.encode(list, slice.lastId()));
    }
}
