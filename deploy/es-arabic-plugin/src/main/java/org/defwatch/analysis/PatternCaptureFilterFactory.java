package org.defwatch.analysis;

import java.util.List;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.BooleanSetting;
import org.elasticsearch.plugin.settings.ListSetting;

/**
 * The {@code pattern_capture} token filter of the analysis-common module (one token per
 * capture group of each pattern), needed by Elasticsearch's {@code .security} index.
 */
@NamedComponent("pattern_capture")
public class PatternCaptureFilterFactory implements TokenFilterFactory {

    /** {@code patterns} (regular expressions) and {@code preserve_original} (default true). */
    @AnalysisSettings
    public interface Settings {
        @ListSetting(path = "patterns")
        List<String> patterns();

        @BooleanSetting(path = "preserve_original", defaultValue = true)
        boolean preserveOriginal();
    }

    private final Pattern[] patterns;
    private final boolean preserveOriginal;

    @Inject
    public PatternCaptureFilterFactory(Settings settings) {
        // Elasticsearch also makes an instance without settings for every index: only a
        // filter actually used without patterns is an error (in create).
        this.patterns = settings.patterns().stream().map(Pattern::compile).toArray(Pattern[]::new);
        this.preserveOriginal = settings.preserveOriginal();
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        if (patterns.length == 0) {
            throw new IllegalArgumentException("pattern_capture needs at least one pattern");
        }
        return new PatternCaptureGroupTokenFilter(tokenStream, preserveOriginal, patterns);
    }
}
