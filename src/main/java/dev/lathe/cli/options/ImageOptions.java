package dev.lathe.cli.options;

import dev.lathe.eval.data.ImagePreprocessing;
import picocli.CommandLine.Option;

/** How image-folder data is normalized; without either option the model's own preprocessor_config.json decides. */
public final class ImageOptions {
    @Option(names = "--image-mean", split = ",", paramLabel = "M[,M,M]",
            description = "per-channel mean subtracted from pixels scaled to [0,1], e.g. 0.485,0.456,0.406 (default 0, or the model's preprocessor_config.json)")
    double[] mean;

    @Option(names = "--image-std", split = ",", paramLabel = "S[,S,S]",
            description = "per-channel standard deviation pixels are divided by after the mean, e.g. 0.229,0.224,0.225 (default 1)")
    double[] std;

    /** The mean as given (null when not), as stored in a study's settings. */
    public java.util.List<Double> meanList() {
        return mean == null ? null : java.util.Arrays.stream(mean).boxed().toList();
    }

    public java.util.List<Double> stdList() {
        return std == null ? null : java.util.Arrays.stream(std).boxed().toList();
    }

    /** The preprocessing the options ask for, or null to let the model's folder decide; bad values are a usage error. */
    public ImagePreprocessing preprocessing(picocli.CommandLine commandLine) {
        if (mean == null && std == null) return null;
        try {
            return new ImagePreprocessing(mean, std);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(commandLine, "--image-mean/--image-std: " + e.getMessage());
        }
    }
}
