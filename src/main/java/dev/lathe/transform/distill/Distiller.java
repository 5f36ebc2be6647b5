package dev.lathe.transform.distill;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.onnxruntime.OrtException;
import dev.lathe.eval.data.Dataset;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Distils a student (a pruned candidate, normally after its least-squares refit) against its teacher (the original)
 * on unlabeled samples: the teacher's outputs come from ONNX Runtime once, the student runs on the
 * {@link GraphExecutor} with gradients, AdamW with linear warm-up and cosine decay updates its weights, a held-out
 * part of the data stops it early, and the best weights seen go back into the student's own graph. Deterministic
 * for a seed: the split, the batch order and the arithmetic (one PyTorch thread count) follow from it.
 */
public final class Distiller {
    /** Told after every step; may return false to stop (the best weights so far are kept). */
    @FunctionalInterface
    public interface Progress {
        boolean step(int step, int plannedSteps, double trainLoss, long elapsedMillis);
    }

    /**
     * Told after every held-out evaluation, with the student's weights at that point on demand (building the model
     * costs a copy of its weights, so only a caller that scores checkpoints, such as a learning-curve bench, asks).
     */
    @FunctionalInterface
    public interface Checkpoint {
        void evaluated(int step, double heldOutLoss, double heldOutQuality, java.util.function.Supplier<OnnxModel> model);
    }

    private static final int MIN_HELD_OUT = 8, MAX_HELD_OUT = 128;
    /** Steps timed before a time-bounded run plans its schedule, after the first (which pays one-time costs: up to 5x a later step). */
    private static final int PROBE_STEPS = 3;
    /**
     * Steps in a row whose loss or gradient is not finite before the run stops. One such step is skipped (it
     * updates nothing): a MiniLM run at lr 3e-4 met one at step 321 of 1,295, and stopping there lost the rest.
     */
    private static final int MAX_NON_FINITE_IN_A_ROW = 3;

    private Distiller() {}

    public static DistillationResult distill(OnnxModel teacher, OnnxModel student, Dataset data, DistillationSettings settings,
                                             Progress progress) throws OrtException {
        return distill(teacher, student, data, settings, progress, null);
    }

    /** As {@link #distill(OnnxModel, OnnxModel, Dataset, DistillationSettings, Progress)}, telling {@code checkpoint} (may be null) every held-out evaluation. */
    public static DistillationResult distill(OnnxModel teacher, OnnxModel student, Dataset data, DistillationSettings settings,
                                             Progress progress, Checkpoint checkpoint) throws OrtException {
        GraphExecutor.requireSupported(student.proto().getGraph());
        TorchEngine.autogradOffOnThisThread();
        List<Map<String, TensorData>> samples = data.samples();
        if (samples.size() < 2 * MIN_HELD_OUT) throw new IllegalArgumentException("distillation needs at least " + 2 * MIN_HELD_OUT + " samples, got " + samples.size());
        String output = student.proto().getGraph().getOutput(0).getName();
        if (settings.hiddenStateWeight() > 0) {
            try (HiddenStates hidden = HiddenStates.create(teacher, student, maskInput(graphInputs(student)))) {
                return distill(teacher, student, data, settings, progress, checkpoint, hidden, hidden.isEmpty() ? teacherOutputs(teacher, samples, output)
                        : hidden.teacherOutputs(samples, output));
            }
        }
        return distill(teacher, student, data, settings, progress, checkpoint, null, teacherOutputs(teacher, samples, output));
    }

    private static DistillationResult distill(OnnxModel teacher, OnnxModel student, Dataset data, DistillationSettings settings,
                                              Progress progress, Checkpoint checkpoint, HiddenStates hidden, List<TensorData> targets) throws OrtException {
        List<Map<String, TensorData>> samples = data.samples();
        String output = student.proto().getGraph().getOutput(0).getName();

        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) order.add(i);
        Random random = new Random(settings.seed());
        Collections.shuffle(order, random);
        int heldOutCount = Math.clamp(Math.round(samples.size() * settings.heldOutFraction()), MIN_HELD_OUT, Math.min(MAX_HELD_OUT, samples.size() / 2));
        List<Integer> heldOut = List.copyOf(order.subList(0, heldOutCount));
        List<Integer> train = new ArrayList<>(order.subList(heldOutCount, order.size()));

        Engine engine = TorchEngine.get();
        engine.setRandomSeed((int) settings.seed());
        long start = System.nanoTime();
        try (GraphExecutor executor = GraphExecutor.load(student)) {
            DistillationObjective objective = DistillationObjective.detect(output, targets.get(0), executor.inputNames(),
                    settings.temperature(), settings.labelWeight(), data.hasLabels());
            int quantized = settings.fakeQuantizedLayers().isEmpty() ? 0 : executor.fakeQuantize(settings.fakeQuantizedLayers());
            int[] labels = data.hasLabels() ? data.labels() : null;
            Map<String, NDArray> trained = onPathTo(student, executor.parameters(), output);
            AdamW optimizer = new AdamW(trained, settings.weightDecay(), settings.clipNorm());
            long trainable = trained.values().stream().mapToLong(p -> p.getShape().size()).sum();

            double[] before = evaluate(executor, objective, samples, targets, labels, heldOut, settings.batchSize());
            BestWeights best = new BestWeights(before[0]);
            int planned = settings.steps() > 0 ? settings.steps() : Integer.MAX_VALUE;
            int evaluateEvery = settings.evaluateEvery();
            int sinceBest = 0;
            String stop = "steps";
            List<DistillationResult.Point> curve = new ArrayList<>();
            int[] lengths = new int[samples.size()];
            for (int i : train) lengths[i] = Batches.paddedLength(List.of(samples.get(i)));
            List<List<Integer>> epoch = List.of();
            int cursor = 0;
            int step = 0;
            int skipped = 0, nonFiniteInARow = 0;
            int warmUp = -1; // fixed once the steps are planned, so re-planning a time-bounded run never restarts the warm-up
            long loopStart = System.nanoTime(), firstStepEnd = loopStart;
            long budgetLeft = settings.maxMillis() - (loopStart - start) / 1_000_000;
            while (step < planned) {
                if (cursor == epoch.size()) {
                    epoch = epochBatches(train, lengths, settings.batchSize(), random);
                    cursor = 0;
                }
                List<Integer> batch = epoch.get(cursor++);
                double lr = learningRate(settings, step, planned, warmUp);
                double loss = trainStep(executor, objective, hidden, settings.hiddenStateWeight(), optimizer, samples, targets, labels, batch, lr);
                step++;
                long elapsed = (System.nanoTime() - start) / 1_000_000;
                if (step == 1) firstStepEnd = System.nanoTime();
                if (settings.maxMillis() > 0 && step == PROBE_STEPS + 1) {
                    // Plan the schedule from the speed of the steps after the first, leaving about a seventh for held-out evaluations.
                    double perStep = (System.nanoTime() - firstStepEnd) / 1e6 / PROBE_STEPS;
                    long firstMillis = (firstStepEnd - loopStart) / 1_000_000;
                    planned = Math.min(planned, Math.max(step + 1, 1 + (int) ((budgetLeft - firstMillis) / (perStep * 1.15))));
                }
                if (warmUp < 0 && planned != Integer.MAX_VALUE) warmUp = warmUpSteps(settings, planned);
                if (evaluateEvery <= 0 && planned != Integer.MAX_VALUE) evaluateEvery = Math.max(10, planned / 15);
                double held = Double.NaN;
                if (evaluateEvery > 0 && (step % evaluateEvery == 0 || step == planned)) {
                    held = heldOutLoss(executor, objective, samples, targets, labels, heldOut, settings.batchSize(), checkpoint, step);
                    if (best.offer(held, step, executor)) {
                        sinceBest = 0;
                    } else if (step > (warmUp < 0 ? warmUpSteps(settings, planned) : warmUp) && ++sinceBest >= settings.patience()) {
                        stop = "early stopping (no held-out improvement in " + settings.patience() + " evaluations)";
                    }
                    if (settings.maxMillis() > 0 && step > warmUp && step > PROBE_STEPS + 1) {
                        // Re-plan from the mean pace so far (evaluations included): a machine that slows down or
                        // speeds up, or batches of other lengths than the first few, would otherwise end the run on
                        // its time limit with the rate still high, or finish the decay early with time left.
                        double perStep = (System.nanoTime() - firstStepEnd) / 1e6 / (step - 1);
                        long left = settings.maxMillis() - (System.nanoTime() - start) / 1_000_000;
                        int again = step + Math.max(1, (int) (left / perStep));
                        // Within an evaluation interval of the end the plan stays: pushing it one step at a time would
                        // evaluate at every step (step == planned); the time limit ends a run that falls behind.
                        if (again >= step + evaluateEvery) planned = settings.steps() > 0 ? Math.min(settings.steps(), again) : again;
                    }
                }
                boolean outOfTime = settings.maxMillis() > 0 && elapsed >= settings.maxMillis();
                if (Double.isNaN(held) && stop.equals("steps") && Double.isFinite(loss) && outOfTime) {
                    // The steps since the last evaluation would be lost to the choice of the best weights: score them once more.
                    held = heldOutLoss(executor, objective, samples, targets, labels, heldOut, settings.batchSize(), checkpoint, step);
                    best.offer(held, step, executor);
                }
                curve.add(new DistillationResult.Point(step, loss, held, lr));
                boolean goOn = progress == null || progress.step(step, planned, loss, elapsed);
                if (!stop.equals("steps")) break;
                if (!goOn) { stop = "stopped"; break; }
                if (outOfTime) { stop = "time limit"; break; }
                if (!Double.isFinite(loss)) {
                    skipped++;
                    if (++nonFiniteInARow >= MAX_NON_FINITE_IN_A_ROW) { stop = "loss is not finite"; break; }
                } else {
                    nonFiniteInARow = 0;
                }
            }
            if (best.weights != null) executor.restore(best.weights);
            else executor.restore(snapshotOf(student));
            double[] after = evaluate(executor, objective, samples, targets, labels, heldOut, settings.batchSize());
            long millis = (System.nanoTime() - start) / 1_000_000;
            String described = objective.describe();
            if (hidden != null) described += hidden.isEmpty() ? " (no layer boundaries to match hidden states at)"
                    : " + " + settings.hiddenStateWeight() + " x relative squared error of the hidden states at " + hidden.names().size() + " layer boundaries, padding masked";
            if (!settings.fakeQuantizedLayers().isEmpty()) described += "; " + quantized + " layers through int8 fake quantization";
            if (skipped > 0) described += "; " + skipped + " steps skipped (loss or gradient not finite)";
            return new DistillationResult(executor.writeBack(), described, objective.qualityMetric(), step,
                    planned == Integer.MAX_VALUE ? step : planned, millis, stop, best.step, before[0], after[0], before[1], after[1],
                    train.size(), heldOut.size(), trainable, List.copyOf(curve));
        }
    }

    /** One optimizer step; the loss it returns is the output loss alone (hidden-state terms train but are not reported). */
    private static double trainStep(GraphExecutor executor, DistillationObjective objective, HiddenStates hidden, double hiddenWeight, AdamW optimizer,
                                    List<Map<String, TensorData>> samples, List<TensorData> targets, int[] labels, List<Integer> batch, double lr) throws OrtException {
        executor.zeroGradients();
        double loss;
        boolean matchHidden = hidden != null && !hidden.isEmpty();
        try (NDScope ignored = new NDScope(); GradientCollector collector = TorchEngine.get().newGradientCollector()) {
            List<Map<String, TensorData>> picked = pick(samples, batch);
            Map<String, NDArray> inputs = executor.toNDArrays(Batches.stack(picked));
            Map<String, NDArray> values = executor.forward(inputs, matchHidden ? hidden.names() : List.of());
            NDArray l = objective.loss(values.get(objective.output()), pick(targets, batch), inputs, pickLabels(labels, batch));
            loss = l.getFloat();
            if (matchHidden) l = l.add(hidden.loss(values, picked, inputs).mul((float) hiddenWeight));
            if (!Double.isFinite(l.getFloat())) return Double.NaN; // no backward pass, no update
            collector.backward(l);
        }
        return Double.isFinite(optimizer.update(lr)) ? loss : Double.NaN;
    }

    /** The held-out loss at {@code step}, told to the checkpoint (if any) with the quality. */
    private static double heldOutLoss(GraphExecutor executor, DistillationObjective objective, List<Map<String, TensorData>> samples,
                                      List<TensorData> targets, int[] labels, List<Integer> heldOut, int batchSize,
                                      Checkpoint checkpoint, int step) {
        double[] evaluated = evaluate(executor, objective, samples, targets, labels, heldOut, batchSize);
        if (checkpoint != null) checkpoint.evaluated(step, evaluated[0], evaluated[1], executor::writeBack);
        return evaluated[0];
    }

    /** The weights with the lowest held-out loss so far (none while the starting weights are the best), and their step. */
    private static final class BestWeights {
        private double loss;
        private int step;
        private Map<String, float[]> weights;

        BestWeights(double startingLoss) { this.loss = startingLoss; }

        /** Keeps the executor's weights when {@code heldOut} beats the best so far; says whether it did. */
        boolean offer(double heldOut, int atStep, GraphExecutor executor) {
            if (!(heldOut < loss)) return false;
            loss = heldOut;
            step = atStep;
            weights = executor.snapshot();
            return true;
        }
    }

    /** Held-out {loss, quality}: the loss averaged over batches weighted by their size, the quality per sample. */
    private static double[] evaluate(GraphExecutor executor, DistillationObjective objective, List<Map<String, TensorData>> samples,
                                     List<TensorData> targets, int[] labels, List<Integer> heldOut, int batchSize) {
        double loss = 0, quality = 0;
        for (int from = 0; from < heldOut.size(); from += batchSize) {
            List<Integer> batch = heldOut.subList(from, Math.min(heldOut.size(), from + batchSize));
            try (NDScope ignored = new NDScope()) {
                Map<String, NDArray> inputs = executor.toNDArrays(Batches.stack(pick(samples, batch)));
                NDArray out = executor.forward(inputs, List.of()).get(objective.output());
                loss += objective.loss(out, pick(targets, batch), inputs, pickLabels(labels, batch)).getFloat() * batch.size();
                quality += objective.qualitySum(out, pick(targets, batch), inputs);
            }
        }
        return new double[] {loss / heldOut.size(), quality / heldOut.size()};
    }

    /** Batches in one bucket window: sorted by length within this many batches' worth of shuffled samples. */
    static final int BUCKET_WINDOW = 16;

    /**
     * One pass over the training samples in full batches (a remainder smaller than a batch waits for the next pass);
     * samples of one length (images, rows) come in the plain shuffled order.
     * The samples are shuffled; where their lengths differ (sentences), each window of {@link #BUCKET_WINDOW} batches
     * is sorted by length before it is cut, and the batches are shuffled again, so a batch pads little: a batch of 32
     * random sentences pads to about twice their mean length, and the padded tokens cost as much as the real ones.
     */
    static List<List<Integer>> epochBatches(List<Integer> train, int[] lengths, int batchSize, Random random) {
        Collections.shuffle(train, random); // in place, each pass from the last one's order, as before bucketing
        List<Integer> order = train;
        if (order.size() <= batchSize) return List.of(List.copyOf(order));
        boolean varying = order.stream().mapToInt(i -> lengths[i]).distinct().count() > 1;
        int full = order.size() / batchSize * batchSize;
        List<List<Integer>> batches = new ArrayList<>();
        int window = BUCKET_WINDOW * batchSize;
        for (int from = 0; from < full; from += window) {
            List<Integer> part = new ArrayList<>(order.subList(from, Math.min(full, from + window)));
            if (varying) part.sort(java.util.Comparator.comparingInt(i -> lengths[i]));
            for (int b = 0; b + batchSize <= part.size(); b += batchSize) batches.add(List.copyOf(part.subList(b, b + batchSize)));
        }
        if (varying) Collections.shuffle(batches, random);
        return batches;
    }

    /** Early stopping waits for the warm-up: the held-out loss may rise while the rate climbs. */
    private static int warmUpSteps(DistillationSettings s, int planned) {
        return planned == Integer.MAX_VALUE ? 10 : Math.max(1, (int) Math.round(planned * s.warmUpFraction()));
    }

    /** Linear warm-up to the peak rate, then cosine decay to a twentieth of it. */
    static double learningRate(DistillationSettings s, int step, int planned) {
        return learningRate(s, step, planned, -1);
    }

    /** As above with the warm-up's length given (negative: a share of {@code planned}). */
    static double learningRate(DistillationSettings s, int step, int planned, int warmUpSteps) {
        if (planned == Integer.MAX_VALUE) return s.learningRate() * Math.min(1, (step + 1) / 10.0);
        int warmUp = warmUpSteps < 0 ? warmUpSteps(s, planned) : warmUpSteps;
        if (step < warmUp) return s.learningRate() * (step + 1) / warmUp;
        double progress = Math.min(1, (double) (step - warmUp) / Math.max(1, planned - warmUp));
        double floor = s.learningRate() / 20;
        return floor + (s.learningRate() - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    private static List<TensorData> teacherOutputs(OnnxModel teacher, List<Map<String, TensorData>> samples, String output) throws OrtException {
        List<TensorData> out = new ArrayList<>(samples.size());
        try (OrtRunner runner = OrtRunner.of(teacher, OrtRunner.RunnerSettings.cpu(Math.max(1, Runtime.getRuntime().availableProcessors())))) {
            for (Map<String, TensorData> s : samples) {
                TensorData t = runner.run(s).get(output);
                if (t == null || !t.isFloat()) throw new IllegalArgumentException("the original has no float output '" + output + "' to distil against");
                out.add(t);
            }
        }
        return out;
    }

    /**
     * The parameters the distilled output depends on. The others (BERT's pooler, which feeds only a second output)
     * get a zero gradient, and AdamW's weight decay alone would shrink them, silently changing the outputs not
     * distilled.
     */
    static Map<String, NDArray> onPathTo(OnnxModel model, Map<String, NDArray> parameters, String output) {
        java.util.Set<String> needed = new java.util.HashSet<>(List.of(output));
        List<ai.onnx.proto.OnnxMl.NodeProto> nodes = model.proto().getGraph().getNodeList();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            var n = nodes.get(i);
            if (n.getOutputList().stream().anyMatch(needed::contains)) needed.addAll(n.getInputList());
        }
        Map<String, NDArray> out = new java.util.LinkedHashMap<>();
        parameters.forEach((name, p) -> { if (needed.contains(name)) out.put(name, p); });
        return out;
    }

    /** The graph's inputs that are not initializers, as the executor names them. */
    private static List<String> graphInputs(OnnxModel model) {
        java.util.Set<String> initializers = new java.util.HashSet<>();
        for (var t : model.proto().getGraph().getInitializerList()) initializers.add(t.getName());
        return model.proto().getGraph().getInputList().stream().map(v -> v.getName()).filter(n -> !initializers.contains(n)).toList();
    }

    private static String maskInput(List<String> inputs) {
        return inputs.stream().filter(n -> n.toLowerCase(java.util.Locale.ROOT).contains("mask")).findFirst().orElse(null);
    }

    private static Map<String, float[]> snapshotOf(OnnxModel student) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        java.util.Set<String> trainable = Trainability.trainable(student.proto().getGraph());
        for (var t : student.proto().getGraph().getInitializerList())
            if (trainable.contains(t.getName())) out.put(t.getName(), dev.lathe.model.Tensors.toFloats(t));
        return out;
    }

    private static <T> List<T> pick(List<T> all, List<Integer> indices) {
        List<T> out = new ArrayList<>(indices.size());
        for (int i : indices) out.add(all.get(i));
        return out;
    }

    private static int[] pickLabels(int[] labels, List<Integer> indices) {
        if (labels == null) return null;
        int[] out = new int[indices.size()];
        for (int i = 0; i < out.length; i++) out[i] = labels[indices.get(i)];
        return out;
    }
}
