package org.defwatch.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/** Folds every Unicode decimal digit (Arabic-Indic ٠-٩, Persian ۰-۹, ...) to ASCII 0-9. */
@NamedComponent("defwatch_arabic_digits")
public class DecimalDigitFilterFactory implements TokenFilterFactory {

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new DecimalDigitFilter(tokenStream);
    }

    @Override
    public TokenStream normalize(TokenStream tokenStream) {
        return new DecimalDigitFilter(tokenStream);
    }
}
