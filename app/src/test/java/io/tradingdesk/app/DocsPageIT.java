package io.tradingdesk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tradingdesk.db.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /docs as a person sees it: the packaged server ({@code java -p ... -m app}) serves the page and Swagger UI's
 * files from the webjar on its module path, headless Chromium renders it with every other host unreachable, and
 * each operation of {@code /openapi.json} must be listed on the rendered page, a lock on those that need the token.
 * The screenshot goes to {@code target/docs-page.png} (docs/docs-page.png is a copy of one).
 *
 * <p>Needs Chromium ({@code apt-get install chromium}; CI installs it): without it the test fails under CI=true and
 * is skipped elsewhere, saying so.
 */
@Timeout(180)
class DocsPageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "docs-token-" + UUID.randomUUID();
    /** One operation of Swagger UI's list: its method, then the path template it shows. */
    private static final Pattern OPERATION = Pattern.compile(
            "<div class=\"opblock opblock-\\w+[^\"]*\" id=\"operations-[^\"]*\">.*?"
                    + "<span class=\"opblock-summary-method\">(\\w+)</span>.*?data-path=\"([^\"]*)\"", Pattern.DOTALL);
    /** The lock Swagger UI puts on an operation with a security requirement ("unlocked" until a token is given). */
    private static final Pattern LOCK = Pattern.compile("aria-label=\"authorization button (un)?locked\"");
    private static final Path SCREENSHOT = AppProcess.MODULE_PATH.resolveSibling("docs-page.png");

    @TempDir
    Path work;

    @Test
    void theDocsPageListsEveryOperationOfTheOpenApiDocumentWithoutReachingAnyOtherHost() throws Exception {
        Chromium chromium = Chromium.find().orElse(null);
        if (chromium == null) {
            String hint = "Chromium is not installed (apt-get install chromium), so GET /docs was not rendered";
            assertThat("true".equals(System.getenv("CI"))).as(hint).isFalse();
            Assumptions.abort(hint);
        }
        String url = TestDatabase.environmentUrl(TestDatabase.fresh("docs_page"));
        try (var app = AppProcess.start(work, Map.of("DATABASE_URL", url, "API_TOKEN", TOKEN))) {
            app.awaitReady();
            JsonNode doc = JSON.readTree(app.get("/openapi.json").body());
            var documented = new TreeSet<String>();
            var secured = new TreeSet<String>();
            doc.get("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
                String operation = op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
                documented.add(operation);
                if (op.getValue().has("security")) {
                    secured.add(operation);
                }
            }));

            String dom = chromium.renderedDom(app.uri("/docs"));

            var listed = new TreeSet<String>();
            var matcher = OPERATION.matcher(dom);
            while (matcher.find()) {
                listed.add(matcher.group(1) + " " + matcher.group(2));
            }
            assertThat(documented).as("operations in /openapi.json").hasSizeGreaterThan(20)
                    .contains("GET /docs", "GET /api/positions", "POST /api/trades");
            assertThat(listed).as("operations on the rendered page (%s)", chromium)
                    .containsExactlyElementsOf(documented);
            assertThat(LOCK.matcher(dom).results().count()).as("operations with a lock").isEqualTo(secured.size());
            assertThat(dom).contains("Trading desk API").doesNotContain(TOKEN);

            Files.deleteIfExists(SCREENSHOT);
            chromium.screenshot(app.uri("/docs"), SCREENSHOT, 1280, 1900);
            assertThat(Files.size(SCREENSHOT)).as(SCREENSHOT.toString()).isGreaterThan(20_000);
            assertThat(app.terminate(java.time.Duration.ofSeconds(20))).as(app.output()).isZero();
        }
    }
}
