export HF_HOME=/home/chaimeleon/persistent-home/.cache/huggingface

prepare_cache() {
    mkdir -p "$HF_HOME"
    if curl -s --connect-timeout 3 https://huggingface.co > /dev/null; then
        pip install --user --upgrade transformers
    fi
}
