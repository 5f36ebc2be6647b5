package dev.lathe.cli;

import dev.lathe.cli.options.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.bench.LookupTable;
import dev.lathe.bench.SearchBenchmark;
import dev.lathe.config.SearchConfig;
import dev.lathe.config.StrategyKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "benchmark-search", description = "Replay search strategies against a table made by tabulate, over many seeds, and compare them by hypervolume with statistics.")
final class BenchmarkSearchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TABLE.lathe", description = "a table made by tabulate")
    Path table;

    @Option(names = "--strategies", split = ",", defaultValue = "random,nsga2,predictor", description = "strategies to compare (default ${DEFAULT-VALUE})")
    List<String> strategies;

    @Option(names = "--budgets", split = ",", defaultValue = "40,100,250", description = "evaluation budgets (default ${DEFAULT-VALUE})")
    List<Integer> budgets;

    @Option(names = "--seeds", defaultValue = "30", description = "seeds per strategy, 1..N (default ${DEFAULT-VALUE})") int seeds;

    @Option(names = "--population", defaultValue = "12", description = "population of every strategy (default ${DEFAULT-VALUE}, as search)") int population;

    @Option(names = "--model", paramLabel = "MODEL.onnx", description = "the table's model, where it is not where the table was made nor beside the table")
    Path model;

    @Option(names = "--json", description = "print one JSON list, an object per strategy and budget") boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (seeds < 2) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--seeds must be at least 2 to compare, got " + seeds);
        if (budgets.stream().anyMatch(b -> b < 1)) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "every budget must be at least 1");
        List<StrategyKind> kinds = strategies.stream().map(StrategyKind::parse).distinct().toList();
        new SearchConfig(1, 1, population, kinds.getFirst()); // refuses a bad population as search does
        LookupTable t = LookupTable.open(table);
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        List<SearchBenchmark.Row> rows = SearchBenchmark.run(t, t.space(model), kinds, budgets, seeds, population, json ? err::println : out::println);
        if (json) {
            ArrayNode list = Json.MAPPER.createArrayNode();
            for (SearchBenchmark.Row r : rows) {
                ObjectNode o = list.addObject().put("strategy", r.strategy()).put("budget", r.budget())
                        .put("median_hv", r.medianHv()).put("q1_hv", r.q1Hv()).put("q3_hv", r.q3Hv());
                if (r.evalsTo95() == null) o.putNull("evals_to_95");
                else o.put("evals_to_95", r.evalsTo95());
                ObjectNode vs = o.putObject("vs");
                r.vs().forEach((other, c) -> vs.putObject(other).put("p_holm", c.pHolm()).put("a12", c.a12())
                        .put("efficiency_ratio", c.efficiencyRatio()).put("efficiency_ci_low", c.efficiencyLow()).put("efficiency_ci_high", c.efficiencyHigh()));
            }
            out.println(Json.MAPPER.writeValueAsString(list));
            return 0;
        }
        out.printf("table %s: %d genomes, %d levels, %d timing repeats; %d seeds, population %d%n", table, t.size(), t.tabular().levels(),
                t.tabular().repeats(), seeds, population);
        out.println("hv: hypervolume over the table's own (1.0 = its whole front); evals to 95%: median over seeds (- if never)");
        for (SearchBenchmark.Row r : rows) {
            out.printf("%-10s budget %4d  hv %.3f [%.3f, %.3f]  evals to 95%% %s%n", r.strategy(), r.budget(), r.medianHv(), r.q1Hv(), r.q3Hv(),
                    r.evalsTo95() == null ? "-" : String.format("%.1f", r.evalsTo95()));
            r.vs().forEach((other, c) -> out.printf("    vs %-10s p(Holm) %.4f  A12 %.2f  efficiency %.2fx [%.2f, %.2f]%n", other, c.pHolm(), c.a12(),
                    c.efficiencyRatio(), c.efficiencyLow(), c.efficiencyHigh()));
        }
        return 0;
    }
}
