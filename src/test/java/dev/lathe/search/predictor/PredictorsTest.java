package dev.lathe.search.predictor;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.*;

/** The predictors on synthetic functions whose ranking is known: judged out of sample, as the strategy judges them. */
class PredictorsTest {
    private static double[][] points(int n, int p, long seed) {
        Random r = new Random(seed);
        double[][] x = new double[n][p];
        for (double[] row : x) for (int j = 0; j < p; j++) row[j] = r.nextDouble();
        return x;
    }

    private static double[] values(double[][] x, ToDoubleFunction<double[]> f, double noise, long seed) {
        Random r = new Random(seed);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = f.applyAsDouble(x[i]) + noise * r.nextGaussian();
        return y;
    }

    private static double heldOutTau(Regressor r, ToDoubleFunction<double[]> f, int n, int p) {
        double[][] train = points(n, p, 1), test = points(200, p, 2);
        Regressor.Fitted fit = r.fit(train, values(train, f, 0.05, 3));
        double[] predicted = new double[test.length], truth = new double[test.length];
        for (int i = 0; i < test.length; i++) {
            predicted[i] = fit.mean(test[i]);
            truth[i] = f.applyAsDouble(test[i]);
        }
        return ModelSelection.tau(predicted, truth);
    }

    @Test
    void ridgeRecoversALinearRankingAndItsPenaltyByLeaveOneOut() {
        ToDoubleFunction<double[]> linear = x -> 3 * x[0] - 2 * x[1] + x[2];
        assertTrue(heldOutTau(new RidgeRegression(), linear, 30, 8) > 0.85);
        // Pure noise: leave-one-out picks the strongest penalty, flattening the fit.
        double[][] x = points(30, 8, 4);
        RidgeRegression.Fit noise = new RidgeRegression().fit(x, values(x, v -> 0, 1, 5));
        assertTrue(noise.lambda() >= 100, "lambda " + noise.lambda());
        RidgeRegression.Fit exact = new RidgeRegression().fit(x, values(x, linear, 0, 5));
        assertEquals(RidgeRegression.LAMBDAS[0], exact.lambda(), "a noiseless linear target wants the least penalty");
        assertEquals(3 * 0.5 - 2 * 0.5 + 0.5, exact.mean(new double[] {0.5, 0.5, 0.5, 0, 0, 0, 0, 0}), 0.05);
    }

    @Test
    void gaussianProcessRecoversANonLinearRankingRidgeCannot() {
        ToDoubleFunction<double[]> bowl = x -> Math.pow(x[0] - 0.5, 2) + Math.pow(x[1] - 0.5, 2);
        double gp = heldOutTau(new GaussianProcess(), bowl, 40, 2);
        double ridge = heldOutTau(new RidgeRegression(), bowl, 40, 2);
        assertTrue(gp > 0.7, "gp tau " + gp);
        assertTrue(ridge < 0.3, "a linear model cannot rank a bowl: tau " + ridge);
        // And model selection by cross-validated tau finds that out from the training data alone.
        double[][] x = points(40, 2, 1);
        var choice = ModelSelection.best(List.of(new BootstrapEnsemble(8, 1), new GaussianProcess()), x, values(x, bowl, 0.02, 3), 7);
        assertEquals("gaussian process", choice.model());
        assertTrue(choice.cvTau() > 0.5);
    }

    @Test
    void spreadsGrowAwayFromTheData() {
        double[][] x = points(30, 2, 1);
        for (double[] row : x) row[1] = row[0] * 0.1; // the second feature barely varies: the fit is unsure along it
        double[] y = values(x, v -> v[0], 0.05, 2);
        for (Regressor r : List.of(new BootstrapEnsemble(16, 3), new GaussianProcess())) {
            Regressor.Fitted f = r.fit(x, y);
            double near = f.sd(new double[] {0.5, 0.05}), far = f.sd(new double[] {0.5, 3});
            assertTrue(far > 2 * near, r.name() + ": sd near " + near + ", far " + far);
        }
    }

    /**
     * A synthetic table over the digits CNN's real space: latency from the channels each Conv keeps on both sides
     * (halved at int8), quality falling with the square of what is pruned and with each quantized layer. The
     * features from the analysis must let the cost and quality predictors rank held-out genomes.
     */
    @Test
    void featuresFromTheAnalysisRankASyntheticTable() {
        var space = new dev.lathe.search.SearchSpace(dev.lathe.analysis.GroupFinder.analyze(dev.lathe.model.OnnxModel.load(dev.lathe.TestModels.digitsCnn())));
        GenomeFeatures features = new GenomeFeatures(space);
        Random rnd = new Random(4);
        int n = 60;
        double[][] xc = new double[n][], xq = new double[n][];
        double[] cost = new double[n], quality = new double[n];
        for (int i = 0; i < n; i++) {
            var g = space.random(rnd);
            double[] keep = space.groups().stream().mapToDouble(gr -> g.keepRatio(gr.id())).toArray();
            double t = 0.002;
            for (int c = 0; c < keep.length; c++) t += keep[c] * (c + 1 < keep.length ? keep[c + 1] : 1) * (g.precisions().isEmpty() ? 1 : 1 - 0.1 * g.precisions().size());
            cost[i] = Math.log(t * (1 + 0.02 * rnd.nextGaussian()));
            double q = 1;
            for (double k : keep) q -= 0.2 * (1 - k) * (1 - k);
            quality[i] = q - 0.01 * g.precisions().size();
            xc[i] = features.cost(g);
            xq[i] = features.quality(g);
            assertSame(xc[i], features.cost(g), "features are cached per genome");
        }
        double costTau = ModelSelection.crossValidatedTau(new BootstrapEnsemble(8, 1), xc, cost, 1);
        var q = ModelSelection.best(List.of(new BootstrapEnsemble(8, 2), new GaussianProcess()), xq, quality, 2);
        assertTrue(costTau > 0.7, "cost tau " + costTau);
        assertTrue(q.cvTau() > 0.7, q.model() + " quality tau " + q.cvTau());
    }
}
