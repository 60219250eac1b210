package io.tradingdesk.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

class SaturationChartTest {

    @Test
    void contiguousSamplesBecomeOneSpanEndingAStepAfterTheLast() {
        var samples = List.of(new double[] {10, 1}, new double[] {11, 1}, new double[] {12, 1}, new double[] {20, 1});
        assertThat(SaturationRun.spans(samples, 1)).containsExactly(new double[] {10, 13}, new double[] {20, 21});
    }

    @Test
    void theChartIsWellFormedSvgWithALinePerSeriesAndAShadePerAlertIntervalInBothPlots() throws Exception {
        var run = new SaturationRun(2, 40, "/api/market/snapshot", "5s", 100, 103, 106.0, 111.0, 116, 117.0, 120,
                Map.of(200, 1000L), Map.of(
                        "active", ramp(100, 120, 2), "idle", ramp(100, 120, 0), "waiting", ramp(100, 120, 38)),
                List.of(new double[] {106, 111}), List.of(new double[] {111, 117}));

        Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new InputSource(new StringReader(SaturationChart.svg(run))));

        assertThat(svg.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(svg.getElementsByTagName("polyline").getLength()).as("waiting, idle, active").isEqualTo(3);
        long shades = 0;
        var rects = svg.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            if (rects.item(i).getAttributes().getNamedItem("fill-opacity") != null
                    && "0.22".equals(rects.item(i).getAttributes().getNamedItem("fill-opacity").getNodeValue())) {
                shades++;
            }
        }
        assertThat(shades).as("pending and firing, in each of the two plots").isEqualTo(4);
        assertThat(svg.getDocumentElement().getTextContent())
                .contains("pending 3.0 s after the load started", "firing 8.0 s after it", "resolved 1.0 s after");
    }

    private static List<double[]> ramp(double from, double to, double value) {
        var out = new ArrayList<double[]>();
        for (double t = from; t <= to; t++) {
            out.add(new double[] {t, value});
        }
        return out;
    }
}
