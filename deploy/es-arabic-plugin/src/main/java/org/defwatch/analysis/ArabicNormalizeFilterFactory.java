package org.defwatch.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * Orthographic normalization of Arabic: hamza-carrying alef forms to bare alef, alef maksura to
 * yeh, teh marbuta to heh, tatweel and diacritics (tashkeel) removed.
 */
@NamedComponent("defwatch_arabic_normalize")
public class ArabicNormalizeFilterFactory implements TokenFilterFactory {

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new ArabicNormalizationFilter(tokenStream);
    }

    @Override
    public TokenStream normalize(TokenStream tokenStream) {
        return new ArabicNormalizationFilter(tokenStream);
    }
}
