package dev.lathe.export;

import dev.lathe.config.StudyConfig;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.search.CandidateBuilders;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.StudyModel;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.nio.file.Path;

/**
 * What rebuilding a study's candidate needs: the original (refused if its file changed since the study measured it),
 * the study's settings, the genome, the study's data split and a builder over them. Export and distillation share it.
 */
record StudyCandidate(Path originalPath, OnnxModel original, StudyConfig settings, Genome genome, EvaluationData.Split split, CandidateBuilder builder) {
    static StudyCandidate of(StudyStorage store, CandidateRecord c) throws Exception {
        StudyModel studyModel = StudyModel.of(store);
        Path originalPath = studyModel.path();
        OnnxModel original = studyModel.model();
        StudyConfig settings = StudyConfig.of(store).orElseThrow(() -> new ExportException("study has no settings"));
        Genome genome = GenomeJson.read(c.genomeJson());
        EvaluationData.Split split = settings.data().resolve(original);
        return new StudyCandidate(originalPath, original, settings, genome, split, CandidateBuilders.of(original, settings, split));
    }
}
