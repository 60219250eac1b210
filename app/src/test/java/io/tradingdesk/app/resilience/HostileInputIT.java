package io.tradingdesk.app.resilience;

import static io.tradingdesk.app.resilience.Refusals.abbreviate;
import static io.tradingdesk.app.resilience.Refusals.assertClean;
import static io.tradingdesk.app.resilience.Refusals.assertErrorShape;
import static io.tradingdesk.app.resilience.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tradingdesk.app.resilience.ApiContract.Input;
import io.tradingdesk.app.resilience.ApiContract.Operation;
import io.tradingdesk.embedded.EmbeddedPostgres;
import io.tradingdesk.testkit.Client;
import io.tradingdesk.testkit.Desk;
import io.tradingdesk.testkit.Ledger;
import io.tradingdesk.testkit.Reply;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Hostile input against every route, generated from the server's own {@code /openapi.json} ({@link ApiContract}):
 * for every field of every body, every query, path and header parameter, the values its schema forbids (wrong
 * types, values just past each bound, altered examples, NUL and unpaired surrogates, absurd precision) must be a 400
 * naming that input; random bytes, truncated JSON, the wrong JSON shape, tampered cursors and raw requests no client
 * library would send must be a 4xx in the error shape; and a refused request must leave every table exactly as it
 * was (each test compares a fingerprint of all tables before and after). Hostile-but-legal text must be stored
 * verbatim.
 *
 * <p>Every run draws a fresh seed and prints it (and every assertion names it); {@code -Dhostile.seed=N} replays
 * run N exactly: {@code ./desk test -pl app -am -Dgroups=hostile -Dhostile.seed=N}.
 */
@Tag("hostile")
class HostileInputIT {
    private static final String[] TABLES = {"instruments", "price_bars", "research_notes", "pitches", "pitch_research",
        "trades", "positions", "market_snapshot"};
    private static final long SEED = seed();
    private static final AtomicLong TRIED = new AtomicLong();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern CANONICAL_NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?");
    /**
     * Writes every non-ASCII character as a \\u escape, so that a lone surrogate reaches the server as JSON text
     * (a UTF-8 encoder would turn it into '?' before it left the client).
     */
    private static final ObjectMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private static EmbeddedPostgres pg;
    private static Stack stack;
    private static Client client;
    private static ApiContract contract;
    private static String validCursor;
    private static long rowsFingerprinted;

    private Random random;
    private Map<String, String> fingerprintBefore;
    private final List<Long> acceptedNotes = new ArrayList<>();

    private static long seed() {
        String given = System.getProperty("hostile.seed", "");
        return given.isBlank() ? new SecureRandom().nextLong() : Long.parseLong(given.strip());
    }

    @BeforeAll
    static void start() {
        Logs.quiet();
        System.out.printf("hostile input: seed %d (replay: ./desk test -pl app -am -Dgroups=hostile -Dhostile.seed=%d)%n",
                SEED, SEED);
        pg = Clusters.start(null, Map.of());
        Clusters.createMigrated(pg, "hostile", null);
        stack = Stack.start(pg, "hostile", null, Map.of("DB_MAX_POOL_SIZE", "10", "DB_MIN_POOL_SIZE", "2"));
        client = stack.client(Duration.ofSeconds(20));
        contract = new ApiContract(Desk.parse(client.get("/openapi.json").body()));
        Desk.seed(client, new Ledger(), "HX", 3);
        for (JsonNode body : List.of(Desk.validResearch(), Desk.validResearch(), Desk.validPitch())) {
            Reply r = client.post(body.has("side") ? "/api/pitches" : "/api/research", body.toString());
            assertThat(r.ok()).as("seed %s", r).isTrue();
        }
        validCursor = Desk.field(client.get("/api/research?limit=1"), "nextCursor").asText();
        assertThat(validCursor).isNotBlank();
        // The generated requests start from the documented examples: those must be accepted as input (a 2xx, or a
        // 404/409/422 on the data), or every "refused" below would prove nothing. Their writes happen before any
        // fingerprint is taken.
        for (Operation op : contract.withBody()) {
            Reply r = send(op, path(op), json(ApiContract.validBody(op)), null);
            assertThat(r.status()).as("[seed %d] the documented example of %s: %s", SEED, op, r).isNotEqualTo(400);
        }
    }

    @AfterAll
    static void stop() {
        System.out.printf("hostile input: %d inputs tried against every route (seed %d)%n", TRIED.get(), SEED);
        Reliability.add(new Reliability.Row("hostile input generated from /openapi.json (seed " + SEED + ") over every"
                + " route's body fields, path, query and header parameters, plus raw requests; all 7 tables"
                + " fingerprinted (count + md5 of every row) before and after each test",
                TRIED.get(), "4xx only, checked per input; 0 × 5xx", "n/a", rowsFingerprinted, 0));
        Reliability.publish();
        if (client != null) {
            client.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void rememberTables(TestInfo test) throws SQLException {
        random = new Random(SEED ^ test.getDisplayName().hashCode());
        fingerprintBefore = fingerprint();
    }

    @AfterEach
    void tablesAreUnchanged() throws SQLException {
        if (!acceptedNotes.isEmpty()) {
            // Legal hostile text was stored on purpose (and checked); take it out again before comparing.
            try (Connection c = stack.observer(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM research_notes WHERE id IN (" + String.join(",",
                        acceptedNotes.stream().map(String::valueOf).toList()) + ")");
            }
        }
        assertThat(fingerprint()).as("[seed %d] every table after refused requests", SEED).isEqualTo(fingerprintBefore);
    }

    // ---- body fields ------------------------------------------------------------------------------------------------

    @Test
    void everyBodyFieldRefusesWhatItsSchemaForbidsWith400NamingIt() {
        int sent = 0;
        for (Operation op : contract.withBody()) {
            for (Input field : ApiContract.fields(op.bodyObject())) {
                for (JsonNode value : ApiContract.forbidden(field.schema(), field.required(), random)) {
                    JsonNode body = ApiContract.validBody(op);
                    target(body).set(field.name(), value);
                    Reply r = send(op, path(op), json(body), null);
                    String what = op + " with " + field.name() + " = " + abbreviate(json(value));
                    assertRefusedNaming(r, what, op.fieldName(field.name()));
                    sent++;
                }
            }
        }
        assertThat(sent).as("field mutations sent").isGreaterThan(300);
    }

    @Test
    void aMissingRequiredFieldOrAnUnknownOneIsNamed() {
        for (Operation op : contract.withBody()) {
            for (Input field : ApiContract.fields(op.bodyObject())) {
                if (field.required()) {
                    JsonNode body = ApiContract.validBody(op);
                    target(body).remove(field.name());
                    assertRefusedNaming(send(op, path(op), json(body), null), op + " without " + field.name(),
                            op.fieldName(field.name()));
                }
            }
            String unknown = "isAdmin" + random.nextInt(1000);
            JsonNode body = ApiContract.validBody(op);
            target(body).put(unknown, true);
            assertRefusedNaming(send(op, path(op), json(body), null), op + " with " + unknown, op.fieldName(unknown));
        }
    }

    @Test
    void bodiesOfTheWrongShapeRandomBytesAndTruncatedJsonAre4xx() {
        for (Operation op : contract.withBody()) {
            String valid = json(ApiContract.validBody(op));
            List<String> shapes = List.of("42", "\"text\"", "true", "null", "-0", "1e400", "[" + valid + "]",
                    "{\"items\":" + valid + "}", "[".repeat(5000) + "]".repeat(5000), "");
            for (String shape : shapes) {
                Reply r = send(op, path(op), shape, null);
                assertRefused(r, ctx(op + " with body " + abbreviate(shape)));
                assertThat(r.status()).as(ctx(op + " " + abbreviate(shape) + ": " + r)).isIn(400, 413, 422);
            }
            byte[] bytes = valid.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 40; i++) {
                int length = random.nextInt(bytes.length);
                Reply r = sendBytes(op, java.util.Arrays.copyOf(bytes, length));
                assertRefused(r, ctx(op + " truncated to " + length + " of " + bytes.length + " bytes"));
                assertThat(r.status()).as(ctx(op + " truncated: " + r)).isEqualTo(400);
            }
            for (int i = 0; i < 300; i++) {
                byte[] noise = randomBody();
                assertRefused(sendBytes(op, noise), ctx(op + " with " + noise.length + " random bytes"));
            }
        }
    }

    /** Text that is odd but legal (SQL, scripts, RTL, emoji, traversal) is stored and returned exactly as sent. */
    @Test
    void legalHostileTextIsStoredVerbatim() {
        var texts = new ArrayList<>(List.of("'; DROP TABLE research_notes; --", "\" OR \"1\"=\"1",
                "1; SELECT pg_sleep(10)", "$$; DROP SCHEMA public CASCADE; $$", "<script>alert(1)</script>",
                "${jndi:ldap://127.0.0.1/x}", "%s%s%s%n%x", "../../../../etc/passwd", "..\\..\\windows\\system32",
                "\u202Eevil\u202C right-to-left override", "שלום עולם مرحبا", "emoji 🚀📈💸 and ZWJ 👩‍💻",
                "combining e\u0301\u0301\u0301", "\uFEFFbyte order mark", "line\nbreak\r\nand\ttab",
                "\\u0000 (escaped, not a NUL)", "null", "true", "{}", "[]", "x".repeat(100_000)));
        while (texts.size() < 80) {
            String text = ApiContract.randomText(random, 1 + random.nextInt(60));
            if (legalText(text)) {
                texts.add(text);
            }
        }
        for (String text : texts) {
            ObjectNode body = Desk.validResearch();
            String field = List.of("title", "body", "model").get(random.nextInt(3));
            int max = field.equals("model") ? 100 : field.equals("title") ? 300 : 100_000;
            String value = text.length() > max ? text.substring(0, max) : text;
            if (value.isBlank()) {
                value = "x" + value;
            }
            String tag = value.length() > 100 ? value.substring(0, 100) : value;
            body.put(field, value);
            body.putArray("tags").add(tag);
            body.putObject("payload").put(tag, value);
            Reply created = client.send("POST", "/api/research", json(body), true, null);
            TRIED.incrementAndGet();
            assertThat(created.status()).as(ctx("legal text in " + field + ": " + created)).isEqualTo(201);
            long id = Desk.id(created);
            acceptedNotes.add(id);
            JsonNode stored = Desk.parse(client.get("/api/research/" + id).body());
            TRIED.incrementAndGet();
            assertThat(stored.get(field).textValue()).as(ctx(field + " round trip")).isEqualTo(value);
            assertThat(stored.get("tags").get(0).textValue()).isEqualTo(tag);
            assertThat(stored.get("payload").get(tag).textValue()).as(ctx("payload round trip")).isEqualTo(value);
        }
    }

    // ---- parameters -----------------------------------------------------------------------------------------------

    @Test
    void queryAndHeaderParametersRefuseWhatTheirSchemaForbidsWith400NamingThem() {
        int sent = 0;
        for (Operation op : contract.operations()) {
            for (Input parameter : op.parameters()) {
                if (parameter.in().equals("path")) {
                    continue;
                }
                for (String text : forbiddenText(parameter)) {
                    Reply r;
                    if (parameter.in().equals("query")) {
                        r = send(op, path(op) + "?" + parameter.name() + "=" + encode(text),
                                op.body() == null ? null : json(ApiContract.validBody(op)), null);
                    } else {
                        r = send(op, path(op), op.body() == null ? null : json(ApiContract.validBody(op)),
                                Map.of(parameter.name(), text));
                    }
                    assertRefusedNaming(r, op + " with " + parameter + " = " + abbreviate(json(NODES.textNode(text))),
                            parameter.name());
                    sent++;
                }
            }
        }
        assertThat(sent).as("parameter mutations sent").isGreaterThan(50);
    }

    @Test
    void hostileQueryValuesUnderAnyNameNeverCauseA5xx() {
        var reads = contract.operations().stream().filter(op -> op.method().equals("GET")).toList();
        for (int i = 0; i < 1000; i++) {
            Operation op = reads.get(random.nextInt(reads.size()));
            var names = new ArrayList<>(op.in("query").stream().map(Input::name).toList());
            names.addAll(List.of("x", "limit[]", "", "__proto__"));
            String name = names.get(random.nextInt(names.size()));
            String value = random.nextBoolean() ? ApiContract.randomText(random, random.nextInt(60))
                    : List.of("0", "-1", "2147483648", "1e3", " ", "\u0000", "\uD800", "x".repeat(5000)).get(random.nextInt(8));
            String path = path(op) + "?" + encode(name) + "=" + encode(value);
            Reply r = client.get(path);
            TRIED.incrementAndGet();
            assertThat(r.status()).as(ctx("GET " + abbreviate(path) + ": " + r)).isIn(200, 400, 404);
            assertClean(r, path);
            if (r.status() != 200) {
                assertErrorShape(r);
            }
        }
    }

    @Test
    void pathParametersOutsideTheirSchemaAre4xx() {
        for (Operation op : contract.operations()) {
            for (Input parameter : op.in("path")) {
                var segments = new ArrayList<>(forbiddenText(parameter));
                segments.addAll(List.of("..", ".", "%2e%2e", "\u0000", "\uD800", "A".repeat(300), " "));
                for (int i = 0; i < 10; i++) {
                    segments.add(ApiContract.randomText(random, 1 + random.nextInt(30)));
                }
                for (String segment : segments) {
                    if (ApiContract.accepts(parameter.schema(), coerced(segment, parameter.schema()))) {
                        continue;   // a valid segment is not hostile (a PUT would create an instrument)
                    }
                    String encoded = URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
                    String path = op.template().replace("{" + parameter.name() + "}", encoded);
                    for (Input other : op.in("path")) {
                        path = path.replace("{" + other.name() + "}", ApiContract.example(other.schema()).asText());
                    }
                    byte[] body = op.body() == null ? null : json(ApiContract.validBody(op)).getBytes(StandardCharsets.UTF_8);
                    // A fresh connection each: Jetty may close one after refusing a request.
                    Reply r = client.raw(head(op.method() + " " + path + " HTTP/1.1", "Content-Type: application/json",
                            "Authorization: Bearer " + Stack.TOKEN)[0], body);
                    TRIED.incrementAndGet();
                    assertRefused(r, ctx(op + " with " + parameter + " = " + abbreviate(json(NODES.textNode(segment)))));
                }
            }
        }
    }

    @Test
    void tamperedCursorsAre400() {
        var paged = contract.operations().stream()
                .filter(op -> op.in("query").stream().anyMatch(p -> p.name().equals("cursor"))).toList();
        assertThat(paged).as("paged lists in the document").isNotEmpty();
        var cursors = new ArrayList<String>();
        for (int i = 0; i < 100; i++) {
            char[] chars = validCursor.toCharArray();
            int at = random.nextInt(chars.length);
            chars[at] = chars[at] == 'A' ? 'B' : 'A';
            cursors.add(new String(chars));
            cursors.add(validCursor.substring(0, 1 + random.nextInt(validCursor.length() - 1)));
            cursors.add(Base64.getUrlEncoder().withoutPadding().encodeToString(("v1:" + (random.nextLong() >>> 1)
                    + ":0000000000000000").getBytes(StandardCharsets.US_ASCII)));
            cursors.add(ApiContract.randomText(random, 1 + random.nextInt(80)));
        }
        for (String cursor : cursors) {
            if (cursor.equals(validCursor) || cursor.isEmpty()) {
                continue;
            }
            for (Operation op : paged) {
                Reply r = client.get(path(op) + "?cursor=" + encode(cursor));
                TRIED.incrementAndGet();
                assertRefusedNaming(r, op + " cursor " + cursor, "cursor");
            }
        }
    }

    // ---- fixed cases: limits, raw HTTP ------------------------------------------------------------------------------

    @Test
    void aBodyOverTheLimitIs413() {
        int max = stack.apiConfig.maxBodyBytes();
        String body = "{\"symbol\":\"HX000\",\"title\":\"" + "x".repeat(max) + "\"}";
        Reply r = client.post("/api/research", body);
        TRIED.incrementAndGet();
        assertRefused(r, "body of " + body.length() + " bytes");
        assertThat(r.status()).isEqualTo(413);
        // Chunked, so there is no Content-Length to refuse up front.
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Reply chunked = client.exchange(client.request("/api/research").header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + Stack.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes))).build());
        TRIED.incrementAndGet();
        assertRefused(chunked, "chunked body of " + bytes.length + " bytes");
        assertThat(chunked.status()).isEqualTo(413);
    }

    @Test
    void anArrayBodyOutsideItsDocumentedItemCountIsRefusedWhole() {
        for (Operation op : contract.withBody()) {
            if (!op.body().path("type").asText().equals("array")) {
                continue;
            }
            ArrayNode tooMany = NODES.arrayNode();
            for (int i = 0; i <= op.body().get("maxItems").asInt(); i++) {
                tooMany.add(ApiContract.example(op.body().get("items")));
            }
            Reply r = send(op, path(op), tooMany.toString(), null);
            assertRefused(r, ctx(op + " with " + tooMany.size() + " items"));
            assertThat(r.status()).isEqualTo(413);
            Reply none = send(op, path(op), "[]", null);
            assertRefused(none, ctx(op + " with no items"));
            assertThat(none.status()).isEqualTo(400);
        }
    }

    @Test
    void wrongContentTypeIs415AndMissingTokenIs401() {
        String note = Desk.validResearch().toString();
        Reply text = client.exchange(client.request("/api/research").header("Content-Type", "text/plain")
                .header("Authorization", "Bearer " + Stack.TOKEN).POST(HttpRequest.BodyPublishers.ofString(note)).build());
        Reply latin1 = client.exchange(client.request("/api/research")
                .header("Content-Type", "application/json; charset=ISO-8859-1")
                .header("Authorization", "Bearer " + Stack.TOKEN).POST(HttpRequest.BodyPublishers.ofString(note)).build());
        Reply anonymous = client.send("POST", "/api/research", note, false, null);
        TRIED.addAndGet(3);
        assertRefused(text, "text/plain");
        assertRefused(latin1, "latin-1 JSON");
        assertRefused(anonymous, "no token");
        assertThat(List.of(text.status(), latin1.status(), anonymous.status())).containsExactly(415, 415, 401);
    }

    /** Requests no HTTP library would send, written byte for byte. */
    @Test
    void rawHostileRequestsGet4xxWithTheErrorShape() {
        var cases = new LinkedHashMap<String, byte[][]>();
        cases.put("dot-dot out of the root", head("GET /../../../../etc/passwd HTTP/1.1"));
        cases.put("encoded dot-dot", head("GET /api/%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1"));
        cases.put("encoded slash traversal", head("GET /api/instruments/..%2f..%2f..%2fetc%2fpasswd HTTP/1.1"));
        cases.put("backslash traversal", head("GET /api/instruments/..%5c..%5cwindows HTTP/1.1"));
        cases.put("encoded NUL in path", head("GET /api/instruments/HX000%00 HTTP/1.1"));
        cases.put("invalid UTF-8 in path", head("GET /api/instruments/%ff%fe%fd HTTP/1.1"));
        cases.put("overlong UTF-8 in path", head("GET /api/instruments/%c0%af HTTP/1.1"));
        cases.put("raw 0xff byte in path", concat("GET /api/instruments/", new byte[] {(byte) 0xff, (byte) 0xfe},
                " HTTP/1.1\r\nHost: 127.0.0.1"));
        cases.put("64 KiB header", head("GET /api/instruments HTTP/1.1", "X-Big: " + "a".repeat(64 * 1024)));
        cases.put("2000 headers", head("GET /api/instruments HTTP/1.1", manyHeaders(2000)));
        cases.put("100 KiB URI", head("GET /api/instruments?x=" + "a".repeat(100 * 1024) + " HTTP/1.1"));
        cases.put("huge Content-Length", head("POST /api/research HTTP/1.1", "Content-Type: application/json",
                "Authorization: Bearer " + Stack.TOKEN, "Content-Length: 99999999999999999999"));
        cases.put("negative Content-Length", head("POST /api/research HTTP/1.1", "Content-Type: application/json",
                "Authorization: Bearer " + Stack.TOKEN, "Content-Length: -5"));
        cases.put("two Content-Lengths", head("POST /api/research HTTP/1.1", "Content-Type: application/json",
                "Authorization: Bearer " + Stack.TOKEN, "Content-Length: 2", "Content-Length: 3"));
        cases.put("garbage request line", head("\u0001\u0002 / HTTP/1.1"));
        cases.put("unknown method", head("BREW /api/instruments HTTP/1.1"));
        cases.put("absolute URI to another host", head("GET http://169.254.169.254/latest/meta-data HTTP/1.1"));
        for (var e : cases.entrySet()) {
            byte[][] parts = e.getValue();
            Reply r = client.raw(parts[0], parts.length > 1 ? parts[1] : null);
            TRIED.incrementAndGet();
            if (e.getKey().equals("absolute URI to another host")) {
                // Jetty serves it as a request for its own path: never forwarded anywhere.
                assertThat(r.status()).as("%s: %s", e.getKey(), r).isIn(400, 404);
            }
            assertRefused(r, e.getKey());
            assertThat(r.body()).as(e.getKey()).doesNotContain("root:");
        }
        // An unpaired surrogate in a field name: the JSON parser refuses it before any field is read.
        ObjectNode note = Desk.validResearch();
        note.putObject("payload").put("lone \uD800 key", 1);
        Reply surrogateKey = client.send("POST", "/api/research", json(note), true, null);
        TRIED.incrementAndGet();
        assertRefused(surrogateKey, "an unpaired surrogate in a field name");
        assertThat(surrogateKey.status()).isEqualTo(400);
        // Invalid UTF-8 inside an otherwise valid JSON body.
        byte[] invalidUtf8 = concat("{\"symbol\":\"HX000\",\"model\":\"m\",\"title\":\"",
                new byte[] {(byte) 0xc3, (byte) 0x28, (byte) 0xff}, "\",\"body\":\"b\"}")[0];
        Reply bad = client.raw(head("POST /api/research HTTP/1.1", "Content-Type: application/json",
                "Authorization: Bearer " + Stack.TOKEN)[0], invalidUtf8);
        TRIED.incrementAndGet();
        assertRefused(bad, "invalid UTF-8 in a JSON string");
        assertThat(bad.status()).isEqualTo(400);
    }

    // ---- generation helpers ---------------------------------------------------------------------------------------

    /**
     * Texts a query, path or header parameter's schema forbids: the forbidden JSON values in the form a URL or
     * header carries them, kept when the value the server would parse from that text is still forbidden. The empty
     * string means "absent" and is left out; header values are limited to what HTTP lets a client send.
     */
    private List<String> forbiddenText(Input parameter) {
        var out = new ArrayList<String>();
        for (JsonNode value : ApiContract.forbidden(parameter.schema(), false, random)) {
            String text = value.isTextual() ? value.textValue() : value.toString();
            if (text.isEmpty() || ApiContract.accepts(parameter.schema(), coerced(text, parameter.schema()))) {
                continue;
            }
            if (parameter.in().equals("header") && !text.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
                continue;
            }
            out.add(text);
        }
        return out;
    }

    /** What a parameter's text is as JSON: a number for numeric schemas when it is written as one, else a string. */
    private static JsonNode coerced(String text, JsonNode schema) {
        boolean numeric = schema.path("type").asText().matches("integer|number") || schema.has("oneOf");
        if (numeric && CANONICAL_NUMBER.matcher(text).matches()) {
            // An integer as an integer node: a validator may not count 1 written as a decimal as an "integer".
            return text.contains(".") ? NODES.numberNode(new BigDecimal(text))
                    : NODES.numberNode(new java.math.BigInteger(text));
        }
        return NODES.textNode(text);
    }

    private static String path(Operation op) {
        String path = op.template();
        for (Input parameter : op.in("path")) {
            path = path.replace("{" + parameter.name() + "}", ApiContract.example(parameter.schema()).asText());
        }
        return path;
    }

    /** The object whose fields a test changes: the body itself, or the first element of an array body. */
    private static ObjectNode target(JsonNode body) {
        return body.isArray() ? (ObjectNode) body.get(0) : (ObjectNode) body;
    }

    private byte[] randomBody() {
        int kind = random.nextInt(3);
        if (kind == 0) {
            byte[] raw = new byte[random.nextInt(600)];
            random.nextBytes(raw);
            return raw;
        }
        if (kind == 1) {
            return ApiContract.randomText(random, random.nextInt(300)).getBytes(StandardCharsets.UTF_8);
        }
        String alphabet = "{}[]\":,0123456789.eE-+truefalsnl \\u";
        var text = new StringBuilder();
        for (int i = random.nextInt(200); i > 0; i--) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Storable by PostgreSQL text as-is: no NUL, no unpaired surrogate, not blank. */
    private static boolean legalText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || Character.isLowSurrogate(c)) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            }
        }
        return !s.isBlank();
    }

    // ---- sending and checking ------------------------------------------------------------------------------------

    private static String ctx(String what) {
        return "[seed " + SEED + "] " + what;
    }

    /** A 400 in the error shape whose {@code details.fields} names {@code name}. */
    private static void assertRefusedNaming(Reply r, String what, String name) {
        assertRefused(r, ctx(what));
        assertThat(r.status()).as(ctx(what + ": " + r)).isEqualTo(400);
        JsonNode fields = Desk.parse(r.body()).at("/details/fields");
        assertThat(fields.has(name)).as(ctx(what + ": details.fields names " + name + " in " + r)).isTrue();
    }

    static String json(JsonNode node) {
        try {
            return ESCAPING.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Reply send(Operation op, String path, String body, Map<String, String> headers) {
        TRIED.incrementAndGet();
        HttpRequest.Builder builder = client.request(path).header("Authorization", "Bearer " + Stack.TOKEN);
        if (body != null) {
            builder.header("Content-Type", "application/json")
                    .method(op.method(), HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            builder.method(op.method(), HttpRequest.BodyPublishers.noBody());
        }
        if (headers != null) {
            headers.forEach(builder::header);
        }
        return client.exchange(builder.build());
    }

    private static Reply sendBytes(Operation op, byte[] body) {
        TRIED.incrementAndGet();
        return client.exchange(client.request(path(op)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + Stack.TOKEN)
                .method(op.method(), HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static Map<String, String> fingerprint() throws SQLException {
        var out = new LinkedHashMap<String, String>();
        try (Connection c = stack.observer(); Statement s = c.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY"
                        + " t::text), '')) FROM " + table + " t")) {
                    rs.next();
                    rowsFingerprinted += rs.getLong(1);
                    out.put(table, rs.getLong(1) + " rows, md5 " + rs.getString(2));
                }
            }
        }
        return out;
    }

    private static byte[][] head(String requestLine, String... headers) {
        var text = new StringBuilder(requestLine).append("\r\nHost: 127.0.0.1");
        for (String h : headers) {
            text.append("\r\n").append(h);
        }
        return new byte[][] {text.toString().getBytes(StandardCharsets.ISO_8859_1)};
    }

    private static byte[][] concat(String before, byte[] middle, String after) {
        byte[] a = before.getBytes(StandardCharsets.ISO_8859_1);
        byte[] c = after.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[a.length + middle.length + c.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(middle, 0, out, a.length, middle.length);
        System.arraycopy(c, 0, out, a.length + middle.length, c.length);
        return new byte[][] {out};
    }

    private static String manyHeaders(int n) {
        var out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                out.append("\r\n");
            }
            out.append("X-H").append(i).append(": v");
        }
        return out.toString();
    }
}
