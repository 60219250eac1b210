package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartTest {

    @Test
    void the_chart_is_a_png_drawn_without_a_display(@TempDir Path dir) throws Exception {
        System.setProperty("java.awt.headless", "true");
        var direct = new ModeResults(Plan.DIRECT);
        var pooled = new ModeResults(Plan.POOLED);
        for (int level : Plan.SWEEP) {
            direct.sweep.put(level, point(direct.mode, level, 100, 40.0 * level));
            pooled.sweep.put(level, point(pooled.mode, level, 5_000, 0.2 * level));
        }
        Path png = dir.resolve("chart.png");

        Chart.write(png, direct, pooled, Map.of(100, result(100, 30_000, 5)));

        assertThat(Files.size(png)).isGreaterThan(1_000);
        var image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(900);
        assertThat(image.getHeight()).isEqualTo(750);
    }

    private static Measurement point(String mode, int concurrency, double throughput, double p99) {
        return new Measurement(mode, "sweep", Workload.POINT, result(concurrency, throughput, p99), 0, 0, 0, Double.NaN,
                JsonNodeFactory.instance.objectNode(), 0, 0, 0, 0);
    }

    private static LoadResult result(int concurrency, double throughput, double p99) {
        return new LoadResult(concurrency, 1_000, 0, Map.of(), Duration.ofSeconds(1), throughput, p99 / 2, p99 / 2,
                p99, p99, p99 / 10, p99 * 2);
    }
}
