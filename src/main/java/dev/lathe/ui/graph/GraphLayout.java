package dev.lathe.ui.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A layered (Sugiyama-style) drawing of a directed acyclic graph, computed without the toolkit so it can run
 * off the FX thread:
 * <ol>
 * <li>layers by longest path from the sources, then each node moved down towards its consumers where that
 *     shortens its edges (constants and shape computations then sit next to the node that reads them);</li>
 * <li>edges spanning several layers get a dummy point per layer crossed, so they are routed around nodes;</li>
 * <li>order within the layers by barycentre sweeps, down and up, keeping the order with the fewest crossings;</li>
 * <li>x coordinates by repeatedly pulling every node towards the mean of its neighbours in the layer above
 *     (then below), solved exactly per layer as an isotonic regression that keeps the order and the gaps.</li>
 * </ol>
 * Node centres are {@code x[v], y[v]}; every edge goes from a lower layer to a higher one (downwards). Edges
 * that close a cycle (not valid ONNX) are kept as straight lines that go up.
 * <p>
 * Why it is one class of about 480 lines: the four phases are one algorithm over the same layer arrays, each a
 * private method in the order above; split apart they would pass those arrays around and read no better.
 */
final class GraphLayout {
    static final double NODE_HEIGHT = 36;
    static final double LAYER_GAP = 46;
    static final double NODE_GAP = 22;
    static final double DUMMY_GAP = 9;
    static final double MARGIN = 40;
    /** Beyond this many dummy points the longest edges are drawn straight, so a pathological graph stays quick. */
    static final int MAX_DUMMIES = 400_000;
    private static final int ORDER_SWEEPS = 12;
    private static final int PLACEMENT_ROUNDS = 8;

    final int nodeCount;
    /** Centre and width of every node. */
    final double[] x, y, width;
    final int[] layer;
    final int layerCount;
    /** Top of every layer's band of nodes. */
    final double[] layerTop;
    /** Real nodes of every layer sorted by x (for drawing only what is visible and for hit tests). */
    final int[][] layerNodes;
    /** Route of every edge, as points from the bottom of its source to the top of its target. */
    final float[][] routeX, routeY;
    /** Edge segments from layer {@code l}'s bottom to layer {@code l+1}'s top: x at both ends. */
    final float[][] bandFromX, bandToX;
    /** x of the edges passing through layer {@code l} (vertical lines across its band). */
    final float[][] passX;
    /** Edges drawn as one straight segment (against the layering, or beyond {@link #MAX_DUMMIES}). */
    final int[] straightEdges;
    final double totalWidth, totalHeight;
    /** How long the computation took. */
    final long millis;

    private GraphLayout(int nodeCount, double[] x, double[] y, double[] width, int[] layer, int layerCount, double[] layerTop,
                        int[][] layerNodes, float[][] routeX, float[][] routeY, float[][] bandFromX, float[][] bandToX,
                        float[][] passX, int[] straightEdges, double totalWidth, double totalHeight, long millis) {
        this.nodeCount = nodeCount;
        this.x = x;
        this.y = y;
        this.width = width;
        this.layer = layer;
        this.layerCount = layerCount;
        this.layerTop = layerTop;
        this.layerNodes = layerNodes;
        this.routeX = routeX;
        this.routeY = routeY;
        this.bandFromX = bandFromX;
        this.bandToX = bandToX;
        this.passX = passX;
        this.straightEdges = straightEdges;
        this.totalWidth = totalWidth;
        this.totalHeight = totalHeight;
        this.millis = millis;
    }

    /** Lays out {@code model}: box widths from the labels, graph inputs kept in the top layer. */
    static GraphLayout of(GraphModel model) {
        int n = model.nodes().size();
        double[] w = new double[n];
        boolean[] pinned = new boolean[n];
        for (GraphModel.Node node : model.nodes()) {
            w[node.id()] = Math.max(boxWidth(node.label()), captionWidth(node.caption()));
            pinned[node.id()] = node.kind() == GraphModel.Kind.INPUT;
        }
        int[] from = new int[model.edges().size()], to = new int[model.edges().size()];
        for (int i = 0; i < from.length; i++) {
            from[i] = model.edges().get(i).from();
            to[i] = model.edges().get(i).to();
        }
        return compute(w, pinned, from, to);
    }

    /** Width of a node box for {@code label} (an estimate of the bold 12 px text, which the view cuts to fit if need be). */
    static double boxWidth(String label) {
        return Math.max(64, Math.min(220, 7.4 * label.length() + 24));
    }

    /** Width a box needs for its caption (the small second line), up to a limit beyond which the caption is cut. */
    static double captionWidth(String caption) {
        return caption.isEmpty() ? 0 : Math.min(170, 5.8 * caption.length() + 16);
    }

    static GraphLayout compute(double[] nodeWidth, boolean[] pinnedTop, int[] from, int[] to) {
        long start = System.nanoTime();
        int n = nodeWidth.length, m = from.length;

        // 1. Topological order (Kahn); nodes on a cycle follow in index order.
        int[] outCount = new int[n], inCount = new int[n];
        for (int e = 0; e < m; e++) {
            outCount[from[e]]++;
            inCount[to[e]]++;
        }
        int[][] outEdges = new int[n][], inEdges = new int[n][];
        for (int v = 0; v < n; v++) {
            outEdges[v] = new int[outCount[v]];
            inEdges[v] = new int[inCount[v]];
        }
        int[] fillOut = new int[n], fillIn = new int[n];
        for (int e = 0; e < m; e++) {
            outEdges[from[e]][fillOut[from[e]]++] = e;
            inEdges[to[e]][fillIn[to[e]]++] = e;
        }
        int[] topo = new int[n], topoIndex = new int[n];
        int[] remaining = inCount.clone();
        int head = 0, tail = 0;
        boolean[] placed = new boolean[n];
        for (int v = 0; v < n; v++) if (remaining[v] == 0) { topo[tail++] = v; placed[v] = true; }
        while (tail < n) {
            while (head < tail) {
                int v = topo[head++];
                for (int e : outEdges[v]) {
                    int t = to[e];
                    if (--remaining[t] == 0 && !placed[t]) { topo[tail++] = t; placed[t] = true; }
                }
            }
            if (tail < n) { // a cycle: release its first node and go on
                for (int v = 0; v < n; v++) if (!placed[v]) { topo[tail++] = v; placed[v] = true; break; }
            }
        }
        for (int i = 0; i < n; i++) topoIndex[topo[i]] = i;
        boolean[] forward = new boolean[m];
        for (int e = 0; e < m; e++) forward[e] = topoIndex[from[e]] < topoIndex[to[e]];

        // 2. Longest-path layers, then nodes pulled down towards their consumers where that shortens edges.
        int[] layer = new int[n];
        for (int v : topo)
            for (int e : outEdges[v]) if (forward[e]) layer[to[e]] = Math.max(layer[to[e]], layer[v] + 1);
        for (int i = n - 1; i >= 0; i--) {
            int v = topo[i];
            if (pinnedTop[v]) continue;
            int outs = 0, ins = 0, lowest = Integer.MAX_VALUE;
            for (int e : outEdges[v]) if (forward[e]) { outs++; lowest = Math.min(lowest, layer[to[e]]); }
            for (int e : inEdges[v]) if (forward[e]) ins++;
            if (outs > 0 && outs >= ins && lowest - 1 > layer[v]) layer[v] = lowest - 1;
        }
        int layerCount = 0;
        for (int v = 0; v < n; v++) layerCount = Math.max(layerCount, layer[v] + 1);
        if (n == 0) layerCount = 0;

        // 3. Dummy points on long edges (shortest edges first, so a capped budget goes to the many short ones).
        Integer[] bySpan = new Integer[m];
        for (int e = 0; e < m; e++) bySpan[e] = e;
        Arrays.sort(bySpan, (a, b) -> Integer.compare(layer[to[a]] - layer[from[a]], layer[to[b]] - layer[from[b]]));
        int[] firstDummy = new int[m];
        Arrays.fill(firstDummy, -1);
        boolean[] straight = new boolean[m];
        int total = n;
        for (int e : bySpan) {
            int span = layer[to[e]] - layer[from[e]];
            if (!forward[e] || span < 1 || (span > 1 && total - n + span - 1 > MAX_DUMMIES)) { straight[e] = true; continue; }
            if (span > 1) { firstDummy[e] = total; total += span - 1; }
        }
        int all = total;
        int[] vLayer = Arrays.copyOf(layer, all);
        double[] vWidth = Arrays.copyOf(nodeWidth, all);
        // Neighbours along segments between consecutive layers: up (previous layer) and down (next layer).
        int[] upCount = new int[all], downCount = new int[all];
        for (int e = 0; e < m; e++) {
            if (straight[e]) continue;
            int span = layer[to[e]] - layer[from[e]];
            for (int k = 0; k < span; k++) {
                int a = k == 0 ? from[e] : firstDummy[e] + k - 1;
                int b = k == span - 1 ? to[e] : firstDummy[e] + k;
                if (b >= n) vLayer[b] = layer[from[e]] + k + 1;
                downCount[a]++;
                upCount[b]++;
            }
        }
        int[][] up = new int[all][], down = new int[all][];
        for (int v = 0; v < all; v++) {
            up[v] = new int[upCount[v]];
            down[v] = new int[downCount[v]];
        }
        Arrays.fill(upCount, 0);
        Arrays.fill(downCount, 0);
        for (int e = 0; e < m; e++) {
            if (straight[e]) continue;
            int span = layer[to[e]] - layer[from[e]];
            for (int k = 0; k < span; k++) {
                int a = k == 0 ? from[e] : firstDummy[e] + k - 1;
                int b = k == span - 1 ? to[e] : firstDummy[e] + k;
                down[a][downCount[a]++] = b;
                up[b][upCount[b]++] = a;
            }
        }

        // 4. Order within layers: start from the topological order (dummies right after their source), then barycentre sweeps.
        double[] key = new double[all];
        for (int v = 0; v < n; v++) key[v] = topoIndex[v];
        for (int e = 0; e < m; e++)
            if (firstDummy[e] >= 0) {
                int span = layer[to[e]] - layer[from[e]];
                for (int k = 0; k < span - 1; k++) key[firstDummy[e] + k] = topoIndex[from[e]] + 0.5;
            }
        int[] layerSize = new int[layerCount];
        for (int v = 0; v < all; v++) layerSize[vLayer[v]]++;
        int[][] order = new int[layerCount][];
        for (int l = 0; l < layerCount; l++) order[l] = new int[layerSize[l]];
        Arrays.fill(layerSize, 0);
        for (int v = 0; v < all; v++) order[vLayer[v]][layerSize[vLayer[v]]++] = v;
        int[] pos = new int[all];
        for (int l = 0; l < layerCount; l++) sortBy(order[l], key, pos);

        int[][] best = copy(order);
        long bestCrossings = crossings(order, down, pos, all);
        for (int sweep = 0; sweep < ORDER_SWEEPS && bestCrossings > 0; sweep++) {
            for (int l = 1; l < layerCount; l++) barycentre(order[l], up, pos, key);
            for (int l = layerCount - 2; l >= 0; l--) barycentre(order[l], down, pos, key);
            long c = crossings(order, down, pos, all);
            if (c < bestCrossings) {
                bestCrossings = c;
                best = copy(order);
            }
        }
        order = best;
        for (int[] row : order) for (int i = 0; i < row.length; i++) pos[row[i]] = i;

        // 5. x coordinates: packed, then pulled towards neighbours, keeping order and gaps.
        double[] vx = new double[all];
        for (int[] row : order) {
            double cursor = 0;
            for (int i = 0; i < row.length; i++) {
                if (i > 0) cursor += gap(row[i - 1], row[i], vWidth, n);
                vx[row[i]] = cursor;
            }
            double shift = cursor / 2;
            for (int v : row) vx[v] -= shift;
        }
        double[] desired = new double[all], weight = new double[all];
        for (int round = 0; round < PLACEMENT_ROUNDS; round++) {
            boolean last = round == PLACEMENT_ROUNDS - 1;
            for (int l = 1; l < layerCount; l++) place(order[l], last ? null : up, last ? up : null, last ? down : null, vx, vWidth, n, desired, weight);
            for (int l = layerCount - 2; l >= 0; l--) place(order[l], last ? null : down, last ? up : null, last ? down : null, vx, vWidth, n, desired, weight);
        }

        // 6. Coordinates, routes and the per-layer index for drawing.
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < all; v++) {
            minX = Math.min(minX, vx[v] - vWidth[v] / 2);
            maxX = Math.max(maxX, vx[v] + vWidth[v] / 2);
        }
        if (all == 0) minX = maxX = 0;
        double pitch = NODE_HEIGHT + LAYER_GAP;
        double[] layerTop = new double[layerCount];
        for (int l = 0; l < layerCount; l++) layerTop[l] = MARGIN + l * pitch;
        double[] x = new double[n], y = new double[n];
        for (int v = 0; v < all; v++) vx[v] += MARGIN - minX;
        for (int v = 0; v < n; v++) {
            x[v] = vx[v];
            y[v] = layerTop[layer[v]] + NODE_HEIGHT / 2;
        }
        int[][] layerNodes = new int[layerCount][];
        for (int l = 0; l < layerCount; l++) layerNodes[l] = Arrays.stream(order[l]).filter(v -> v < n).toArray();

        float[][] routeX = new float[m][], routeY = new float[m][];
        List<List<float[]>> bands = new ArrayList<>();
        List<List<Float>> passes = new ArrayList<>();
        for (int l = 0; l < layerCount; l++) {
            bands.add(new ArrayList<>());
            passes.add(new ArrayList<>());
        }
        List<Integer> straightList = new ArrayList<>();
        for (int e = 0; e < m; e++) {
            int a = from[e], b = to[e];
            if (straight[e]) {
                straightList.add(e);
                routeX[e] = new float[] {(float) x[a], (float) x[b]};
                routeY[e] = new float[] {(float) (y[a] + NODE_HEIGHT / 2), (float) (y[b] - NODE_HEIGHT / 2)};
                continue;
            }
            int span = layer[b] - layer[a];
            float[] rx = new float[2 * span], ry = new float[2 * span];
            int p = 0;
            int prev = a;
            for (int k = 0; k < span; k++) {
                int next = k == span - 1 ? b : firstDummy[e] + k;
                int l = layer[a] + k;
                rx[p] = (float) vx[prev];
                ry[p++] = (float) (layerTop[l] + NODE_HEIGHT);
                rx[p] = (float) vx[next];
                ry[p++] = (float) layerTop[l + 1];
                bands.get(l).add(new float[] {(float) vx[prev], (float) vx[next]});
                if (next >= n) passes.get(l + 1).add((float) vx[next]);
                prev = next;
            }
            routeX[e] = rx;
            routeY[e] = ry;
        }
        float[][] bandFrom = new float[layerCount][], bandTo = new float[layerCount][], passX = new float[layerCount][];
        for (int l = 0; l < layerCount; l++) {
            List<float[]> segs = bands.get(l);
            bandFrom[l] = new float[segs.size()];
            bandTo[l] = new float[segs.size()];
            for (int i = 0; i < segs.size(); i++) {
                bandFrom[l][i] = segs.get(i)[0];
                bandTo[l][i] = segs.get(i)[1];
            }
            List<Float> ps = passes.get(l);
            passX[l] = new float[ps.size()];
            for (int i = 0; i < ps.size(); i++) passX[l][i] = ps.get(i);
        }
        double totalWidth = maxX - minX + 2 * MARGIN;
        double totalHeight = layerCount == 0 ? 2 * MARGIN : layerTop[layerCount - 1] + NODE_HEIGHT + MARGIN;
        long millis = (System.nanoTime() - start) / 1_000_000;
        return new GraphLayout(n, x, y, nodeWidth.clone(), layer, layerCount, layerTop, layerNodes, routeX, routeY, bandFrom, bandTo,
                passX, straightList.stream().mapToInt(Integer::intValue).toArray(), totalWidth, totalHeight, millis);
    }

    /** The real node whose box contains the point, or -1. */
    int nodeAt(double px, double py) {
        double pitch = NODE_HEIGHT + LAYER_GAP;
        int l = (int) Math.floor((py - MARGIN) / pitch);
        if (l < 0 || l >= layerCount || py > layerTop[l] + NODE_HEIGHT) return -1;
        int[] row = layerNodes[l];
        int lo = 0, hi = row.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int v = row[mid];
            if (px < x[v] - width[v] / 2) hi = mid - 1;
            else if (px > x[v] + width[v] / 2) lo = mid + 1;
            else return v;
        }
        return -1;
    }

    /** Index in {@code layerNodes[l]} of the first node whose right edge reaches {@code left}. */
    int firstVisible(int l, double left) {
        int[] row = layerNodes[l];
        int lo = 0, hi = row.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (x[row[mid]] + width[row[mid]] / 2 < left) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** The layer whose band (nodes and the gap below) holds world y, clamped to the layers. */
    int layerAt(double wy) {
        if (layerCount == 0) return 0;
        int l = (int) Math.floor((wy - MARGIN) / (NODE_HEIGHT + LAYER_GAP));
        return Math.max(0, Math.min(layerCount - 1, l));
    }

    private static double gap(int left, int right, double[] w, int real) {
        double g = left >= real || right >= real ? DUMMY_GAP : NODE_GAP;
        return w[left] / 2 + g + w[right] / 2;
    }

    private static void sortBy(int[] row, double[] key, int[] pos) {
        Integer[] boxed = new Integer[row.length];
        for (int i = 0; i < row.length; i++) boxed[i] = row[i];
        Arrays.sort(boxed, (a, b) -> Double.compare(key[a], key[b])); // stable: ties keep their order
        for (int i = 0; i < row.length; i++) {
            row[i] = boxed[i];
            pos[row[i]] = i;
        }
    }

    /** Sorts a layer by the mean position of each node's neighbours in the adjacent layer; lone nodes keep their place. */
    private static void barycentre(int[] row, int[][] neighbours, int[] pos, double[] key) {
        for (int v : row) {
            int[] nb = neighbours[v];
            if (nb.length == 0) {
                key[v] = pos[v];
                continue;
            }
            double sum = 0;
            for (int u : nb) sum += pos[u];
            key[v] = sum / nb.length;
        }
        sortBy(row, key, pos);
    }

    /** Edge crossings between all pairs of adjacent layers (inversions counted with a Fenwick tree). */
    private static long crossings(int[][] order, int[][] down, int[] pos, int all) {
        long total = 0;
        for (int l = 0; l + 1 < order.length; l++) {
            int size = order[l + 1].length;
            if (size == 0) continue;
            long[] tree = new long[size + 1];
            long seen = 0;
            for (int v : order[l]) { // in order of the upper end; lower ends of one node in increasing order
                int[] targets = new int[down[v].length];
                for (int i = 0; i < targets.length; i++) targets[i] = pos[down[v][i]];
                Arrays.sort(targets);
                for (int p : targets) {
                    long notGreater = 0;
                    for (int i = p + 1; i > 0; i -= i & -i) notGreater += tree[i];
                    total += seen - notGreater;
                }
                for (int p : targets) {
                    for (int i = p + 1; i <= size; i += i & -i) tree[i]++;
                    seen++;
                }
            }
        }
        return total;
    }

    /**
     * Moves the nodes of one layer towards the mean x of their neighbours ({@code pull}, or both {@code up} and
     * {@code down} in the last round) as closely as the order and the gaps allow: a weighted least-squares fit under
     * x[i+1] - x[i] >= gap, solved by pool-adjacent-violators on x minus the cumulative gaps.
     */
    private static void place(int[] row, int[][] pull, int[][] up, int[][] down, double[] vx, double[] w, int real,
                              double[] desired, double[] weight) {
        int k = row.length;
        if (k == 0) return;
        double[] offset = new double[k];
        for (int i = 1; i < k; i++) offset[i] = offset[i - 1] + gap(row[i - 1], row[i], w, real);
        for (int i = 0; i < k; i++) {
            int v = row[i];
            double sum = 0;
            int count = 0;
            if (pull != null) {
                for (int u : pull[v]) { sum += vx[u]; count++; }
            } else {
                for (int u : up[v]) { sum += vx[u]; count++; }
                for (int u : down[v]) { sum += vx[u]; count++; }
            }
            if (count == 0) {
                desired[i] = vx[v] - offset[i];
                weight[i] = 0.2;
            } else {
                desired[i] = sum / count - offset[i];
                weight[i] = v >= real ? 3.0 : 1.0; // long edges stay straight
            }
        }
        // Pool adjacent violators: blocks of equal value, merged while they decrease.
        double[] value = new double[k], mass = new double[k];
        int[] startOf = new int[k];
        int blocks = 0;
        for (int i = 0; i < k; i++) {
            value[blocks] = desired[i];
            mass[blocks] = weight[i];
            startOf[blocks] = i;
            blocks++;
            while (blocks > 1 && value[blocks - 2] > value[blocks - 1]) {
                double m2 = mass[blocks - 2] + mass[blocks - 1];
                value[blocks - 2] = (value[blocks - 2] * mass[blocks - 2] + value[blocks - 1] * mass[blocks - 1]) / m2;
                mass[blocks - 2] = m2;
                blocks--;
            }
        }
        for (int b = 0; b < blocks; b++) {
            int end = b + 1 < blocks ? startOf[b + 1] : k;
            for (int i = startOf[b]; i < end; i++) vx[row[i]] = value[b] + offset[i];
        }
    }

    private static int[][] copy(int[][] order) {
        int[][] c = new int[order.length][];
        for (int i = 0; i < order.length; i++) c[i] = order[i].clone();
        return c;
    }
}
