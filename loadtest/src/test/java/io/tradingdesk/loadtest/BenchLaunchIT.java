package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The proof that the benchmark's module graph resolves: the packaged module path started with
 * {@code java -p ... -m loadtest}, as {@code ./desk bench} starts it. The benchmark itself is run by {@code ./bench}.
 */
class BenchLaunchIT {
    /** Where `package` laid out the module path; failsafe passes it, the default suits a run from loadtest/. */
    private static final Path MODULE_PATH =
            Path.of(System.getProperty("loadtest.modulePath", "target/modules")).toAbsolutePath();

    @Test
    void the_module_path_runs_the_benchmark_as_the_modules_main_class() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Command.Result help = Command.run(List.of(java, "-p", MODULE_PATH.toString(), "-m", "loadtest", "--help"),
                Duration.ofSeconds(60));

        assertThat(help.exitCode()).as("exit code; output:\n%s", help.output()).isZero();
        assertThat(help.output()).startsWith("usage: bench [--quick]").contains("BENCH_DATABASE_URL");
    }

    @Test
    void the_module_path_holds_no_server_module() throws IOException {
        try (var jars = Files.list(MODULE_PATH)) {
            assertThat(jars.map(p -> p.getFileName().toString()).toList())
                    .anyMatch(name -> name.startsWith("loadtest-"))
                    .noneMatch(name -> name.startsWith("app-") || name.startsWith("api-"));
        }
    }
}
