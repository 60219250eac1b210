package io.tradingdesk.api.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Opaque keyset cursors: base64url of {@code v1:<lastId>:<checksum>}. Pages walk ids downwards from the last id a
 * client saw, so rows inserted meanwhile (always higher ids) can neither repeat nor push rows out of later pages.
 * The checksum, over the list's name and the id, catches edited, truncated or cross-list cursors (400); it is not a
 * secret, since a forged cursor only chooses where a page starts, which ids already allow. Stateless.
 */
public final class Cursor {
    /** The problem reported for a cursor that does not decode. */
    static final String RULE = "malformed or altered; pass nextCursor from the previous page unchanged";
    private static final String VERSION = "v1";

    private Cursor() {
    }

    public static String encode(String list, long lastId) {
        String plain = VERSION + ":" + lastId + ":" + checksum(list, lastId);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.US_ASCII));
    }

    /** The last id of the previous page of {@code list}, or {@code null} when {@code cursor} is not one of ours. */
    static Long decode(String list, String cursor) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            String[] parts = plain.split(":", -1);
            if (parts.length == 3 && parts[0].equals(VERSION) && Rules.ID.matcher(parts[1]).matches()) {
                long id = Long.parseLong(parts[1]);
                if (MessageDigest.isEqual(parts[2].getBytes(StandardCharsets.US_ASCII),
                        checksum(list, id).getBytes(StandardCharsets.US_ASCII))) {
                    return id;
                }
            }
        } catch (IllegalArgumentException e) {
            // not base64url
        }
        return null;
    }

    private static String checksum(String list, long id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("trading-desk:" + list + ":" + VERSION + ":" + id).getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
