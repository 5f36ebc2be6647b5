package dev.lathe.eval.data;

import ai.djl.modality.cv.BufferedImageFactory;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A folder of images as model input: either class sub-folders ({@code data/cat/*.png}; the sorted folder names
 * give label indices 0, 1, ..., as torchvision's ImageFolder does) or images directly in the folder, unlabelled.
 * Each image is decoded with DJL's image factory, resized to the input's height and width, scaled to [0, 1],
 * normalized per channel and laid out NCHW or NHWC as the model's input shape says.
 */
public final class ImageFolderLoader {
    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif");
    // The AWT-backed factory, explicitly: its images expose their pixels without a DJL engine.
    private static final ImageFactory IMAGES = new BufferedImageFactory();
    /** ITU-R BT.601 luma, the weights DJL uses for grayscale. */
    private static final float[] LUMA = {0.299f, 0.587f, 0.114f};

    private ImageFolderLoader() {}

    /** The images of a folder in a fixed order (class, then path), with labels when they sit in class folders. */
    public record Listing(Path folder, List<Path> files, int[] labels, List<String> classes) {
        public Listing {
            files = List.copyOf(files);
            classes = List.copyOf(classes);
        }

        public int size() { return files.size(); }

        public boolean labelled() { return labels != null; }

        String relative(int i) { return folder.relativize(files.get(i)).toString().replace('\\', '/'); }
    }

    /** Where the pixels go: the model's one image input, its channels, side lengths and channel position. */
    public record Layout(String input, int channels, int height, int width, boolean channelsLast, int rank) {
        public long[] sampleShape() {
            if (rank == 3) return new long[] {1, height, width};
            return channelsLast ? new long[] {1, height, width, channels} : new long[] {1, channels, height, width};
        }

        public String describe() {
            return "input '" + input + "' " + Arrays.toString(sampleShape()) + (rank == 3 ? " (H, W)" : channelsLast ? " NHWC" : " NCHW");
        }

        /**
         * Reads the layout from the input's shape: rank 4 with 1 or 3 channels first (NCHW, the ONNX convention,
         * preferred when both would fit) or last (NHWC), or rank 3 as single-channel [N, H, W]. Dynamic sides
         * take the size the shapes give them (the sequence-length setting, i.e. the image side).
         */
        public static Layout of(OnnxModel model, InputShapes shapes, Path folder) {
            List<ValueInfoProto> inputs = InputShapes.realInputs(model.proto().getGraph());
            if (inputs.size() != 1)
                throw new DataFormatException(folder, "an image folder feeds models with one input; this model has " + inputs.size()
                        + " (" + String.join(", ", inputs.stream().map(ValueInfoProto::getName).toList()) + ")");
            ValueInfoProto v = inputs.get(0);
            int type = v.getType().getTensorType().getElemType();
            if (type != TensorProto.DataType.FLOAT_VALUE)
                throw new DataFormatException(folder, "images become float32 tensors, but model input '" + v.getName() + "' takes "
                        + MutableGraph.elementTypeName(type) + " data");
            long[] d = shapes.singleSample().resolve(v);
            TensorShapeProto declared = v.getType().getTensorType().getShape();
            if (d.length > 0 && declared.getDim(0).hasDimValue() && declared.getDim(0).getDimValue() > 1)
                throw new DataFormatException(folder, "model input '" + v.getName() + "' " + MutableGraph.describe(v)
                        + " has a fixed batch of " + declared.getDim(0).getDimValue() + "; Lathe feeds one image at a time");
            if (d.length == 4 && (d[1] == 1 || d[1] == 3)) return new Layout(v.getName(), (int) d[1], side(d[2]), side(d[3]), false, 4);
            if (d.length == 4 && (d[3] == 1 || d[3] == 3)) return new Layout(v.getName(), (int) d[3], side(d[1]), side(d[2]), true, 4);
            if (d.length == 3) return new Layout(v.getName(), 1, side(d[1]), side(d[2]), false, 3);
            throw new DataFormatException(folder, "model input '" + v.getName() + "' " + MutableGraph.describe(v) + " is not an image input: "
                    + "images fit [N, C, H, W] or [N, H, W, C] with 1 or 3 channels, or [N, H, W]");
        }

        private static int side(long d) { return Math.toIntExact(d); }
    }

    /**
     * Lists the images: with class sub-folders every image must be in one (searched recursively) and every class
     * folder must hold at least one image; without them, the images directly in the folder are unlabelled.
     * Hidden files and non-image files are skipped.
     */
    public static Listing list(Path folder) {
        if (!Files.isDirectory(folder)) throw new DataFormatException(folder, "folder not found");
        List<Path> subfolders = new ArrayList<>(), images = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.sorted().toList()) {
                if (p.getFileName().toString().startsWith(".")) continue;
                if (Files.isDirectory(p)) subfolders.add(p);
                else if (isImage(p)) images.add(p);
            }
        } catch (IOException e) {
            throw new DataFormatException(folder, "cannot list the folder: " + e.getMessage(), e);
        }
        if (subfolders.isEmpty()) {
            if (images.isEmpty()) throw new DataFormatException(folder, "no images (" + String.join(", ", EXTENSIONS) + ") in the folder or in class sub-folders");
            return new Listing(folder, images, null, List.of());
        }
        if (!images.isEmpty())
            throw new DataFormatException(folder, "holds both images (" + images.get(0).getFileName() + ", ...) and sub-folders ("
                    + subfolders.get(0).getFileName() + ", ...); put every image in a class folder for labelled data, or use a folder without sub-folders");
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        for (Path sub : subfolders) {
            List<Path> inClass;
            try (Stream<Path> s = Files.walk(sub)) {
                inClass = s.filter(p -> Files.isRegularFile(p) && isImage(p) && !hidden(sub, p)).sorted().toList();
            } catch (IOException e) {
                throw new DataFormatException(folder, "cannot list class folder '" + sub.getFileName() + "': " + e.getMessage(), e);
            }
            if (inClass.isEmpty())
                throw new DataFormatException(folder, "class folder '" + sub.getFileName() + "' holds no images (" + String.join(", ", EXTENSIONS)
                        + "); remove it or fill it, since folder names in sorted order give the label indices");
            for (Path p : inClass) { files.add(p); labels.add(classes.size()); }
            classes.add(sub.getFileName().toString());
        }
        return new Listing(folder, files, labels.stream().mapToInt(Integer::intValue).toArray(), classes);
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1));
    }

    private static boolean hidden(Path root, Path p) {
        for (Path part : root.relativize(p)) if (part.toString().startsWith(".")) return true;
        return false;
    }

    /** Every image of the folder, in listing order. */
    public static Dataset load(Path folder, OnnxModel model, InputShapes shapes, ImagePreprocessing preprocessing) {
        Listing listing = list(folder);
        int[] all = new int[listing.size()];
        Arrays.setAll(all, i -> i);
        return load(listing, all, model, shapes, preprocessing, "");
    }

    /** The images at {@code indices} of the listing, decoded in that order; {@code part} names the subset in the description. */
    static Dataset load(Listing listing, int[] indices, OnnxModel model, InputShapes shapes, ImagePreprocessing preprocessing, String part) {
        Path folder = listing.folder();
        Layout layout = Layout.of(model, shapes, folder);
        preprocessing.checkChannels(layout.channels(), folder);
        if (listing.labelled()) {
            int classes = listing.classes().size();
            DatasetLoader.classCount(model).ifPresent(c -> {
                if (classes > c)
                    throw new DataFormatException(folder, classes + " class sub-folders but the model's output has " + c + " classes; labels "
                            + c + ".." + (classes - 1) + " (" + listing.classes().get(c) + ", ...) would be out of range");
            });
        }
        MessageDigest digest = sha256();
        digest.update((layout.describe() + "|" + preprocessing).getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < listing.size(); i++) digest.update((listing.relative(i) + "\n").getBytes(StandardCharsets.UTF_8));
        List<Map<String, TensorData>> samples = new ArrayList<>(indices.length);
        int[] labels = listing.labelled() ? new int[indices.length] : null;
        long[] shape = layout.sampleShape();
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(listing.files().get(i));
            } catch (IOException e) {
                throw new DataFormatException(folder, "cannot read " + listing.relative(i) + ": " + e.getMessage(), e);
            }
            digest.update(bytes);
            BufferedImage image;
            try {
                image = (BufferedImage) IMAGES.fromInputStream(new ByteArrayInputStream(bytes)).getWrappedImage();
            } catch (IOException | RuntimeException e) {
                throw new DataFormatException(folder, listing.relative(i) + " is not a readable image (" + String.join(", ", EXTENSIONS) + ")", e);
            }
            samples.add(Map.of(layout.input(), TensorData.ofFloats(shape, tensor(image, layout, preprocessing))));
            if (labels != null) labels[k] = listing.labels()[i];
        }
        String classes = listing.labelled() ? listing.classes().size() + " classes: " + abbreviate(listing.classes()) : "unlabelled";
        String description = folder.getFileName() + "/ (" + listing.size() + " images, " + classes + "; " + preprocessing.describe() + ")" + part;
        return new Dataset(description, samples, labels, false, "sha256:" + HexFormat.of().formatHex(digest.digest()));
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 8 ? String.join(", ", names) : String.join(", ", names.subList(0, 8)) + ", ...";
    }

    /**
     * One decoded image as the model's input values. Grey sources are read from their raster, not through
     * {@code getRGB}, which would apply a gamma curve; resizing goes through an 8-bit RGB copy because AWT's
     * scaling of grey images has the same flaw.
     */
    static float[] tensor(BufferedImage image, Layout layout, ImagePreprocessing preprocessing) {
        float[][] planes = unitPlanes(image);
        int w = image.getWidth(), h = image.getHeight();
        if (w != layout.width() || h != layout.height()) {
            Image resized = IMAGES.fromImage(rgb(planes, w, h)).resize(layout.width(), layout.height(), true);
            float[][] rgbPlanes = unitPlanes((BufferedImage) resized.getWrappedImage());
            planes = planes.length == 1 ? new float[][] {rgbPlanes[0]} : rgbPlanes;
            w = layout.width();
            h = layout.height();
        }
        int c = layout.channels(), area = w * h;
        float[] out = new float[c * area];
        for (int p = 0; p < area; p++) {
            for (int ch = 0; ch < c; ch++) {
                float unit;
                if (c == planes.length) unit = planes[ch][p];
                else if (c == 3) unit = planes[0][p];                 // grey image, colour model: replicate
                else unit = LUMA[0] * planes[0][p] + LUMA[1] * planes[1][p] + LUMA[2] * planes[2][p];
                float v = preprocessing.apply(ch, unit);
                if (layout.channelsLast()) out[p * c + ch] = v;
                else out[ch * area + p] = v;
            }
        }
        return out;
    }

    /** [0, 1] values, one plane per channel in row-major order: one plane for grey images, three (R, G, B) otherwise; alpha is dropped. */
    static float[][] unitPlanes(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        var raster = image.getRaster();
        if (raster.getNumBands() == 1 && image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY) {
            float max = (1L << image.getSampleModel().getSampleSize(0)) - 1;
            float[] grey = new float[w * h];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) grey[y * w + x] = raster.getSample(x, y, 0) / max;
            return new float[][] {grey};
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        float[][] rgb = new float[3][w * h];
        for (int p = 0; p < argb.length; p++) {
            rgb[0][p] = ((argb[p] >> 16) & 0xff) / 255f;
            rgb[1][p] = ((argb[p] >> 8) & 0xff) / 255f;
            rgb[2][p] = (argb[p] & 0xff) / 255f;
        }
        return rgb;
    }

    private static BufferedImage rgb(float[][] planes, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] pixels = new int[w * h];
        for (int p = 0; p < pixels.length; p++) {
            int r = Math.round(planes[0][p] * 255), g = Math.round(planes[planes.length == 1 ? 0 : 1][p] * 255), b = Math.round(planes[planes.length == 1 ? 0 : 2][p] * 255);
            pixels[p] = (r << 16) | (g << 8) | b;
        }
        out.setRGB(0, 0, w, h, pixels, 0, w);
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
