package dev.lathe.ui.search;

import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.search.SensitivityAnalysis;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.quantization.QuantizationOptions;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableStringValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The precisions part of the search form: which precisions the search may give a layer besides float32 (the
 * defaults per operator, or a list as the command line's {@code --precisions}), layers pinned to a subset
 * ({@code --layer-precisions}), how int8 static layers are calibrated and how many samples score each layer's
 * sensitivity. It produces the same {@link PrecisionChoices} and {@link QuantizationOptions} the command line
 * puts into {@link dev.lathe.config.PrecisionConfig}.
 */
public final class PrecisionSetupViewModel {
    /** The precisions the form offers, in the order it shows them. */
    static final List<Precision> OFFERED = List.of(Precision.values());

    private final BooleanProperty useDefaults = new SimpleBooleanProperty(true);
    private final Map<Precision, BooleanProperty> selected = new EnumMap<>(Precision.class);
    private final ObservableMap<String, List<Precision>> pins = FXCollections.observableHashMap();
    private final ObservableList<QuantizableLayer> layers = FXCollections.observableArrayList();
    private final StringProperty calibration = new SimpleStringProperty(QuantizationOptions.DEFAULT.calibration());
    private final ObjectProperty<Double> percentile = new SimpleObjectProperty<>(QuantizationOptions.DEFAULT.percentile());
    private final BooleanProperty symmetricActivations = new SimpleBooleanProperty(QuantizationOptions.DEFAULT.symmetricActivations());
    private final BooleanProperty reduceRange = new SimpleBooleanProperty(QuantizationOptions.DEFAULT.reduceRange());
    private final ObjectProperty<Integer> calibrationSamples = new SimpleObjectProperty<>(QuantizationOptions.DEFAULT.calibrationSamples());
    /** SmoothQuant's alpha, which the form does not show yet: a study's setting is carried through unchanged. */
    private Double smoothAlpha = QuantizationOptions.DEFAULT.smoothAlpha();
    private final ObjectProperty<Integer> sensitivitySamples = new SimpleObjectProperty<>(dev.lathe.config.PrecisionConfig.DEFAULT_SENSITIVITY_SAMPLES);
    private final StringBinding gpuNote;
    private final javafx.beans.binding.BooleanBinding staticOffered;

    PrecisionSetupViewModel(ObservableStringValue provider) {
        for (Precision p : OFFERED) selected.put(p, new SimpleBooleanProperty(PrecisionChoices.DEFAULT.offers(p)));
        List<javafx.beans.Observable> deps = new ArrayList<>(selected.values());
        deps.add(useDefaults);
        deps.add(pins);
        staticOffered = Bindings.createBooleanBinding(() -> choices().offers(Precision.INT8_STATIC), deps.toArray(javafx.beans.Observable[]::new));
        deps.add(provider);
        gpuNote = Bindings.createStringBinding(() -> !"cuda".equals(provider.get()) && choices().offers(Precision.FP16)
                ? "fp16 layers are meant for a GPU. The CPU provider runs them through casts to float32, so on CPU they are measured but "
                  + "rarely faster; a candidate it cannot run at all is recorded as a GPU-only failure with ONNX Runtime's reason."
                : "", deps.toArray(javafx.beans.Observable[]::new));
    }

    /** True: the defaults (int8 for MatMul/Gemm, int8_static for Conv); false: the selected precisions for every operator that runs them. */
    public BooleanProperty useDefaultsProperty() { return useDefaults; }

    public BooleanProperty selectedProperty(Precision p) { return selected.get(p); }

    /** Layer id to the precisions it is pinned to (empty: float32 only); a layer not in the map takes the search's set. */
    public ObservableMap<String, List<Precision>> pins() { return pins; }

    /** The open model's layers whose precision can change. */
    public ObservableList<QuantizableLayer> layers() { return layers; }

    public StringProperty calibrationProperty() { return calibration; }

    public ObjectProperty<Double> percentileProperty() { return percentile; }

    /** int8 instead of uint8 activations (ONNX Runtime's "activation type"). */
    public BooleanProperty symmetricActivationsProperty() { return symmetricActivations; }

    public BooleanProperty reduceRangeProperty() { return reduceRange; }

    public ObjectProperty<Integer> calibrationSamplesProperty() { return calibrationSamples; }

    public ObjectProperty<Integer> sensitivitySamplesProperty() { return sensitivitySamples; }

    /** Whether int8_static is among the choices, so its calibration settings matter. */
    public javafx.beans.binding.BooleanBinding staticOfferedProperty() { return staticOffered; }

    /** A note shown while fp16 is offered on a provider other than CUDA; "" otherwise. */
    public StringBinding gpuNoteProperty() { return gpuNote; }

    /** What a layer may take: its pin, else what the search's set offers its operator. */
    public List<Precision> allowed(QuantizableLayer layer) {
        return choices().forLayer(layer);
    }

    /** The precisions the search offers every layer, before pins. */
    PrecisionChoices searchSet() {
        return useDefaults.get() ? PrecisionChoices.DEFAULT
                : PrecisionChoices.of(OFFERED.stream().filter(p -> selected.get(p).get()).toList());
    }

    /** The choices the form describes, as {@code --precisions} and {@code --layer-precisions} would give them. */
    public PrecisionChoices choices() {
        PrecisionChoices c = searchSet();
        for (Map.Entry<String, List<Precision>> e : Map.copyOf(pins).entrySet()) c = c.pin(e.getKey(), e.getValue());
        return c;
    }

    public QuantizationOptions quantization() {
        return new QuantizationOptions(calibration.get(), percentile.get() == null ? QuantizationOptions.DEFAULT.percentile() : percentile.get(),
                symmetricActivations.get(), calibrationSamples.get() == null ? QuantizationOptions.DEFAULT.calibrationSamples() : calibrationSamples.get(),
                reduceRange.get()).withSmoothAlpha(smoothAlpha);
    }

    public int sensitivitySampleCount() {
        return sensitivitySamples.get() == null ? dev.lathe.config.PrecisionConfig.DEFAULT_SENSITIVITY_SAMPLES : sensitivitySamples.get();
    }

    /** Pins one layer to {@code allowed} (empty: float32 only), or back to the search's set with null. */
    public void pin(String layer, List<Precision> allowed) {
        if (allowed == null) pins.remove(layer);
        else pins.put(layer, List.copyOf(new LinkedHashSet<>(allowed)));
    }

    /** Takes over a study's choices and calibration. */
    void apply(dev.lathe.config.PrecisionConfig s) {
        PrecisionChoices c = s.choices();
        PrecisionChoices unpinned = new PrecisionChoices(c.byOperator());
        useDefaults.set(unpinned.equals(PrecisionChoices.DEFAULT));
        Set<Precision> any = new LinkedHashSet<>();
        c.byOperator().values().forEach(any::addAll);
        if (!useDefaults.get()) for (Precision p : OFFERED) selected.get(p).set(any.contains(p));
        pins.clear();
        pins.putAll(c.byLayer());
        QuantizationOptions q = s.quantization();
        calibration.set(q.calibration());
        percentile.set(q.percentile());
        symmetricActivations.set(q.symmetricActivations());
        reduceRange.set(q.reduceRange());
        calibrationSamples.set(q.calibrationSamples());
        smoothAlpha = q.smoothAlpha();
        sensitivitySamples.set(s.sensitivitySamples());
    }

    /** "default", "float32 only" or the pinned precisions, for the per-layer list. */
    String describe(QuantizableLayer layer) {
        List<Precision> pin = pins.get(layer.id());
        if (pin == null) {
            List<Precision> set = searchSet().forLayer(layer);
            return "search set" + (set.isEmpty() ? " (float32)" : " (" + String.join(", ", set.stream().map(Precision::id).toList()) + ")");
        }
        return pin.isEmpty() ? "float32 only" : "only " + String.join(", ", pin.stream().map(Precision::id).toList());
    }
}
