package io.tradingdesk.api.routes;

import io.javalin.http.Context;
import io.tradingdesk.api.http.Field;
import io.tradingdesk.api.http.Input;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code GET /docs}: Swagger UI over {@code /openapi.json}, every file served by this server (no CDN, so the page
 * works offline). Swagger UI's two files come from the {@code org.webjars:swagger-ui} jar: static files under
 * {@code META-INF/resources/webjars/}, which is not a Java package, so JPMS lets any module read them from that
 * (automatic) module. They are read once, here, so that a missing jar stops start-up instead of the first visit.
 *
 * <p>One route template serves the files ({@code /docs/{asset}}, a closed list), so metrics keep one series per
 * status however the files are asked for. The page links them with a digest of their content as a query string:
 * browsers may cache them for a week, and an upgrade changes the links. Immutable and thread-safe.
 */
public final class DocsRoutes {
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    private static final String WEBJAR_POM = "META-INF/maven/org.webjars/swagger-ui/pom.properties";
    private static final String HTML = "text/html; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";
    private static final String JAVASCRIPT = "text/javascript; charset=utf-8";
    /** Scripts, styles and the document from this server only; Swagger UI sets inline styles on its elements. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'none'";
    private static final String CACHE_A_WEEK = "public, max-age=604800";

    private static final String STYLES = "swagger-ui.css";
    private static final String BUNDLE = "swagger-ui-bundle.js";
    private static final String INITIALIZER = "docs.js";
    private static final Field<String> ASSET = Field.oneOf("asset", STYLES, BUNDLE, INITIALIZER).required()
            .describedAs("one of the page's files");

    /** Starts Swagger UI on the page. The default validatorUrl would send the document to an online validator. */
    private static final String INITIALIZER_SCRIPT = """
            window.addEventListener('load', function () {
                window.ui = SwaggerUIBundle({
                    url: '/openapi.json',
                    dom_id: '#swagger-ui',
                    deepLinking: true,
                    validatorUrl: null,
                    presets: [SwaggerUIBundle.presets.apis],
                    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
                    layout: 'BaseLayout'
                });
            });
            """;
    private static final String PAGE = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Trading desk API</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/docs/%s">
            </head>
            <body>
            <div id="swagger-ui"></div>
            <script src="/docs/%s"></script>
            <script src="/docs/%s"></script>
            </body>
            </html>
            """;

    private record Asset(String contentType, byte[] bytes) {
        String link(String name) {
            return name + "?v=" + digest(bytes);
        }
    }

    private final String swaggerUiVersion;
    private final Map<String, Asset> assets;
    private final byte[] page;

    /** @throws IllegalStateException when the swagger-ui jar is not on the class or module path */
    public DocsRoutes() {
        swaggerUiVersion = webjarVersion();
        Asset styles = new Asset(CSS, webjarFile(STYLES));
        Asset bundle = new Asset(JAVASCRIPT, webjarFile(BUNDLE));
        Asset initializer = new Asset(JAVASCRIPT, INITIALIZER_SCRIPT.getBytes(StandardCharsets.UTF_8));
        assets = Map.of(STYLES, styles, BUNDLE, bundle, INITIALIZER, initializer);
        page = PAGE.formatted(styles.link(STYLES), bundle.link(BUNDLE), initializer.link(INITIALIZER))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The version of Swagger UI the page runs, e.g. {@code 5.34.1}. */
    public String swaggerUiVersion() {
        return swaggerUiVersion;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.get("/docs", "This API, browsable: Swagger UI over /openapi.json (HTML)")
                        .publicAccess().produces("text/html")
                        .returns(200, Schema.string("an HTML page")).handle(this::page),
                RouteSpec.get("/docs/{asset}", "A file of the /docs page (Swagger UI " + swaggerUiVersion + ")")
                        .publicAccess().path(ASSET).produces("text/css", "text/javascript")
                        .returns(200, Schema.string("the file")).handle(this::asset));
    }

    private void page(Context ctx, Input in) {
        secure(ctx).header("Cache-Control", "no-cache").status(200).contentType(HTML).result(page);
    }

    private void asset(Context ctx, Input in) {
        Asset asset = assets.get(in.get(ASSET));
        secure(ctx).header("Cache-Control", CACHE_A_WEEK).status(200).contentType(asset.contentType())
                .result(asset.bytes());
    }

    private static Context secure(Context ctx) {
        return ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer");
    }

    private String webjarVersion() {
        Properties pom = new Properties();
        try (InputStream in = resource(WEBJAR_POM)) {
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + WEBJAR_POM + ": " + e.getMessage(), e);
        }
        String version = pom.getProperty("version");
        if (version == null || version.isBlank()) {
            throw new IllegalStateException(WEBJAR_POM + " names no version");
        }
        return version.strip();
    }

    private byte[] webjarFile(String name) {
        String path = WEBJAR + swaggerUiVersion + "/" + name;
        try (InputStream in = resource(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String path) {
        // Through the class loader: it finds a resource outside any package in every module it defines, as on the
        // class path (where the tests run).
        InputStream in = DocsRoutes.class.getClassLoader().getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("GET /docs: " + path + " is missing: the org.webjars:swagger-ui jar must"
                    + " be on the module path");
        }
        return in;
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
