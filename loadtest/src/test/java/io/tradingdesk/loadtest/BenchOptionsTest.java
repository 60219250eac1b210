package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradingdesk.api.store.ResearchStore;
import java.lang.reflect.Field;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's new command-line tasks, and the like-for-like ceiling's statement. */
class BenchOptionsTest {

    @Test
    void the_default_task_is_the_whole_benchmark_with_every_k6_script_and_the_hog() {
        Options o = Options.parse(new String[] {"--quick"});

        assertThat(o.task()).isEqualTo(Options.Task.BENCHMARK);
        assertThat(o.plan()).isEqualTo(Plan.QUICK);
        assertThat(o.k6().scale()).isEqualTo(1.0);
        assertThat(o.k6().hog()).isTrue();
        assertThat(o.k6().scripts()).containsExactly(K6Script.values());
    }

    @Test
    void the_k6_thresholds_task_takes_a_scale_a_subset_of_scripts_and_no_hog() {
        Options o = Options.parse(new String[] {"--k6-thresholds", "--scale", "0.25", "--scripts",
                "writes, complex.js", "--no-hog"});

        assertThat(o.task()).isEqualTo(Options.Task.K6_THRESHOLDS);
        assertThat(o.k6().scale()).isEqualTo(0.25);
        assertThat(o.k6().scripts()).containsExactly(K6Script.WRITES, K6Script.COMPLEX);
        assertThat(o.k6().hog()).isFalse();
        assertThat(Options.parse(new String[] {"--pool-curve"}).task()).isEqualTo(Options.Task.POOL_CURVE);
    }

    @Test
    void a_bad_scale_or_script_is_refused_with_the_usage() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--k6-thresholds", "--scale", "2"}))
                .hasMessageContaining("--scale must be in (0, 1]").hasMessageContaining("usage: bench");
        assertThatThrownBy(() -> Options.parse(new String[] {"--scale", "fast"}))
                .hasMessageContaining("--scale needs a number");
        assertThatThrownBy(() -> Options.parse(new String[] {"--scripts", "smoke"}))
                .hasMessageContaining("no k6 script 'smoke'");
    }

    @Test
    void the_like_for_like_ceiling_runs_the_point_read_endpoints_own_statement() throws Exception {
        Field byId = ResearchStore.class.getDeclaredField("BY_ID");
        byId.setAccessible(true);
        String endpoint = (String) byId.get(null);

        assertThat(PgbenchCeiling.POINT_READ).isEqualTo(endpoint.replace("?", ":id") + ";");
    }

    @Test
    void the_pool_curve_covers_small_pools_up_to_the_default_one() {
        assertThat(Plan.POOL_SIZES).isEqualTo(List.of(8, 16, 32, 50)).contains(Plan.POOL_SIZE);
    }
}
